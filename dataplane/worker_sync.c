/*
 * Session sync, the worker's half: it reports connection changes to the
 * control lcore through its own SPSC ring and never waits for it (a full
 * ring is counted as sync_events_lost), installs what peers sent in
 * bounded slices per pass, and walks its table for a peer's bulk request.
 *
 * A copy installed from a peer is marked CT_F_SYNCED: it is not reported
 * back (the peer that carries its traffic owns it), until a packet passes
 * it here; then it is this appliance's, and reported as such.
 * Installed copies count in lc/wlc loads and expire as any connection;
 * their expiry is what the peer had left plus one idle timeout of the
 * state, so a refresh a little late, or one lost, does not drop them.
 */
#include <netinet/in.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ring.h>

#include "worker_impl.h"

#define WK_SYNC_INSTALL_SLICE 256  /* records installed per pass */
#define WK_SYNC_BULK_SLICE 1024    /* table entries walked per pass */

enum wk_bulk { WK_BULK_IDLE = 0, WK_BULK_WALKING, WK_BULK_ENDED };

static void
wk_sync_fill(const struct worker *w, const struct ct_conn *c, struct sync_rec *r)
{
	int32_t left = (int32_t)(c->expire - w->now);

	memset(r, 0, sizeof(*r));
	r->caddr = c->orig.src_ip;
	r->cport = c->orig.src_port;
	r->vaddr = c->orig.dst_ip;
	r->vport = c->orig.dst_port;
	r->daddr = c->backend_ip;
	r->dport = c->backend_port;
	if (c->flags & CT_F_LOCAL) {
		r->laddr = w->ct_laddrs[c->lport_idx];
		r->lport = c->lport;
	}
	r->timeout_ms = left > 0 ? (uint32_t)left : 0;
	r->proto = c->proto;
	r->mode = c->flags & CT_F_MODE_MASK;
	r->state = c->state;
	r->kind = SYNC_K_CONN;
}

void
wk_sync_emit(struct worker *w, const struct ct_conn *c)
{
	struct sync_rec r;

	wk_sync_fill(w, c, &r);
	if (rte_ring_sp_enqueue_elem(w->sync_out, &r, sizeof(r)) != 0) {
		w->stats.sync_events_lost++;
		return;
	}
	w->stats.sync_events++;
}

void
worker_sync_rearm(struct ct_conn *c, void *arg)
{
	struct worker *w = arg;

	if (!(c->flags & CT_F_SYNCED) && sync_state_synced(c->state))
		wk_sync_emit(w, c);
}

static void
wk_sync_restore(struct worker *w, struct ct_conn *c, uint8_t state, uint32_t expire)
{
	if (c->state != CT_NONE && ct_state_is_active(c->state) != ct_state_is_active(state)) {
		wk_count_state(w, c, c->state, -1);
		wk_count_state(w, c, state, 1);
	}
	ct_restore(w->ct, c, state, expire);
}

static int
wk_sync_laddr(const struct worker *w, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < w->snap->n_laddrs; i++)
		if (w->snap->laddrs[i] == ip)
			return (int)i;
	return -1;
}

/* Install (or refresh) one connection a peer reported. */
static void
wk_sync_install(struct worker *w, const struct sync_rec *r)
{
	const struct snap_service *svc;
	const struct sched_backend *be;
	struct ct_tuple orig, reply;
	struct ct_conn *c;
	enum ct_dir dir;
	uint64_t span;
	uint32_t expire;
	int li = -1;

	span = (uint64_t)r->timeout_ms + w->snap->timeouts.ms[r->state];
	/* No longer than the table takes (wrap-safe ticks). */
	expire = w->now + (uint32_t)(span < CT_MAX_TIMEOUT_MS ? span : CT_MAX_TIMEOUT_MS);
	svc = snap_find_service(w->snap, r->vaddr, r->vport, r->proto);
	if (svc == NULL || svc->mode != r->mode) {
		w->stats.sync_unknown_service++;
		return;
	}
	be = snap_find_backend(svc, r->daddr, r->dport);
	if (be == NULL) {
		w->stats.sync_unknown_backend++;
		return;
	}
	orig = (struct ct_tuple){ .src_ip = r->caddr, .dst_ip = r->vaddr,
				  .src_port = r->cport, .dst_port = r->vport };
	c = ct_lookup(w->ct, r->proto, &orig, &dir);
	if (c != NULL && dir == CT_DIR_ORIG && c->backend_ip == r->daddr &&
	    c->backend_port == r->dport) {
		wk_sync_restore(w, c, r->state, expire);
		c->flags |= CT_F_SYNCED;
		w->stats.sync_refreshed++;
		return;
	}
	if (c != NULL) {
		/* Here it is another connection, or went to another backend. */
		w->stats.sync_install_failed++;
		return;
	}
	reply = (struct ct_tuple){ .src_ip = r->daddr, .src_port = r->dport,
				   .dst_ip = r->caddr, .dst_port = r->cport };
	if (svc->mode == SVC_MODE_FULLNAT) {
		li = wk_sync_laddr(w, r->laddr);
		if (li < 0 || wk_lport_claim(&w->lports[li], r->lport) != 0) {
			w->stats.sync_install_failed++;
			return;
		}
		reply.dst_ip = r->laddr;
		reply.dst_port = r->lport;
	}
	c = ct_lookup(w->ct, r->proto, &reply, &dir);
	if (c != NULL && (c->state == CT_TIME_WAIT || c->state == CT_CLOSE)) {
		ct_delete(w->ct, c);
		c = NULL;
	}
	if (c == NULL)
		c = ct_insert(w->ct, r->proto, &orig, &reply, w->now);
	else
		c = NULL;
	if (c == NULL) {
		if (li >= 0)
			wk_lport_free(&w->lports[li], r->lport);
		w->stats.sync_install_failed++;
		return;
	}
	c->backend_id = (uint16_t)be->id;
	c->svc_id = (uint16_t)svc->id;
	c->flags = (uint8_t)(c->flags | svc->mode | CT_F_SYNCED |
			     (svc->mode == SVC_MODE_DR ? CT_F_ONEWAY : 0));
	ct_restore(w->ct, c, r->state, expire);
	wk_count_state(w, c, c->state, 1);
	w->stats.sync_installed++;
}

static int
wk_bulk_visit(struct ct_conn *c, void *arg)
{
	struct worker *w = arg;

	if (sync_state_synced(c->state))
		wk_sync_emit(w, c);
	return 0;
}

void
worker_sync_pass(struct worker *w)
{
	struct sync_rec r;
	unsigned int i;

	for (i = 0; i < WK_SYNC_INSTALL_SLICE; i++) {
		if (rte_ring_sc_dequeue_elem(w->sync_in, &r, sizeof(r)) != 0)
			break;
		if (r.kind == SYNC_K_BULK_START) {
			/* A second request restarts the walk: its peer wants it all. */
			w->bulk = WK_BULK_WALKING;
			w->bulk_cursor = 0;
		} else if (r.kind == SYNC_K_CONN) {
			wk_sync_install(w, &r);
		}
	}
	/* The walk only goes on while the ring has room for a whole slice,
	 * so a bulk transfer slows down rather than loses records. */
	if (w->bulk == WK_BULK_WALKING &&
	    rte_ring_free_count(w->sync_out) >= WK_SYNC_BULK_SLICE) {
		w->bulk_cursor = ct_walk_slice(w->ct, w->bulk_cursor, WK_SYNC_BULK_SLICE,
					       wk_bulk_visit, w);
		if (w->bulk_cursor >= ct_capacity(w->ct))
			w->bulk = WK_BULK_ENDED;
	}
	if (w->bulk == WK_BULK_ENDED) {
		memset(&r, 0, sizeof(r));
		r.kind = SYNC_K_BULK_DONE;
		if (rte_ring_sp_enqueue_elem(w->sync_out, &r, sizeof(r)) == 0)
			w->bulk = WK_BULK_IDLE;
	}
}
