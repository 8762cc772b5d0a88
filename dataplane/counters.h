/*
 * Every appliance counter, declared once: adding one is one line here. The
 * structs the writers count into (struct wk_stats, the control lcore's in
 * struct sl_app) and every reader (control/stats.c: sums, telemetry, the
 * exit dump; control/prom.c) are generated from these lists.
 *
 * SL_WK_COUNTERS: each worker's own, summed over workers by stats_sum().
 *   X(field, prometheus family or NULL (in /sluice/stats only), help)
 * SL_CTL_COUNTERS: the control lcore's, read with relaxed loads.
 *   X(field, prometheus family, its label, what it counts); each family is
 *   a row of SL_CTL_FAMILIES: X(family, help).
 * Drops by reason are dataplane/drop.h's list.
 */
#ifndef SLUICE_COUNTERS_H
#define SLUICE_COUNTERS_H

#define SL_WK_COUNTERS(X) \
	X(rx_packets, "sluice_rx_packets_total", "Packets received from the ports.") \
	X(rx_bytes, "sluice_rx_bytes_total", "Bytes received from the ports.") \
	X(tx_packets, "sluice_tx_packets_total", "Packets sent to the ports.") \
	X(tx_bytes, "sluice_tx_bytes_total", "Bytes sent to the ports.") \
	X(steered_out, "sluice_steered_packets_total", \
	  "Packets handed to the worker that owns their connection.") \
	X(steered_in, NULL, "Packets taken from other workers' hand-off rings.") \
	X(conns_created, "sluice_connections_created_total", \
	  "Connections scheduled to a backend.") \
	X(conns_refused, "sluice_connections_refused_total", \
	  "New connections refused (TCP RST, ICMP unreachable): no backend available.") \
	X(conns_reset, "sluice_connections_reset_total", \
	  "Established connections ended because their backend went DOWN (policy reset).") \
	X(rst_unconfirmed, "sluice_tcp_rst_unconfirmed_total", \
	  "RSTs forwarded without closing: sequence number in window, not the exact one.") \
	X(resets_sent, "sluice_tcp_resets_sent_total", \
	  "RSTs (or, with the client's sequence unknown, ACKs asking for one) sent to clients of backends gone DOWN (policy reset), without waiting for their next packet.") \
	X(arp_replies, "sluice_arp_replies_total", "ARP requests answered.") \
	X(arp_other, NULL, "ARP replies and requests only learned from.") \
	X(icmp_echo_replies, "sluice_icmp_echo_replies_total", "Pings answered.") \
	X(icmp_errors_relayed, "sluice_icmp_errors_relayed_total", \
	  "ICMP errors about a connection relayed, translated, to its other side.") \
	X(events_lost, NULL, "Events the control lcore's ring had no room for.") \
	X(to_kernel, NULL, "Packets handed to the kernel exception path.") \
	X(to_kernel_prio, "sluice_exception_priority_packets_total", \
	  "Of those, what the control lcore needs (probe replies, ARP, VRRP, sync, BGP).") \
	X(sync_events, NULL, "Connection changes queued for session sync.") \
	X(sync_events_lost, "sluice_sync_events_lost_total", \
	  "Connection changes the session sync ring had no room for.") \
	X(sync_installed, NULL, "Connections installed from peers' records.") \
	X(sync_refreshed, NULL, "Connections whose peers' records refreshed them.") \
	X(sync_unknown_service, NULL, "Peer records for a service (VIP, port, mode) not here.") \
	X(sync_unknown_backend, NULL, "Peer records for a backend the service has not here.") \
	X(sync_install_failed, NULL, \
	  "Peer records not installed: table full, tuple or local port taken, unknown local address.")

#define SL_CTL_COUNTERS(X) \
	X(arp_requests, "sluice_arp_requests_total", "result=\"sent\"", \
	  "ARP requests for next hops, sent") \
	X(arp_requests_dropped, "sluice_arp_requests_total", "result=\"dropped\"", \
	  "the same, dropped: no TX room within a retry period") \
	X(neigh_conflicts, "sluice_neigh_conflicts_total", "result=\"refused\"", \
	  "another MAC's claim to a wanted next hop, refused: its MAC answered, or neither did") \
	X(neigh_moves, "sluice_neigh_conflicts_total", "result=\"moved\"", \
	  "the same, followed: its MAC silent for a second, the claimant answered") \
	X(exc_to_kernel, "sluice_exception_packets_total", "path=\"to_kernel\"", \
	  "exception path: workers -> kernel") \
	X(exc_to_port, "sluice_exception_packets_total", "path=\"to_port\"", \
	  "exception path: kernel -> ports") \
	X(exc_dropped, "sluice_exception_packets_total", "path=\"dropped\"", \
	  "exception path: either way, no room") \
	X(sync_msgs_sent, "sluice_sync_messages_total", "dir=\"sent\"", \
	  "session sync: messages sent, one per destination") \
	X(sync_send_failed, "sluice_sync_messages_total", "dir=\"send_failed\"", \
	  "session sync: messages the socket refused (its buffer full)") \
	X(sync_msgs_received, "sluice_sync_messages_total", "dir=\"received\"", \
	  "session sync: messages received and accepted") \
	X(sync_records_sent, "sluice_sync_records_total", "dir=\"sent\"", \
	  "session sync: connection records sent") \
	X(sync_records_received, "sluice_sync_records_total", "dir=\"received\"", \
	  "session sync: records received in accepted messages") \
	X(sync_records_dropped, "sluice_sync_records_total", "dir=\"dropped\"", \
	  "session sync: records received, the owning worker's install ring full") \
	X(sync_records_unknown, "sluice_sync_records_total", "dir=\"unknown_service\"", \
	  "session sync: records received for a service or backend not configured here")

#define SL_CTL_FAMILIES(X) \
	X("sluice_arp_requests_total", \
	  "ARP requests for next hops: sent, or dropped for want of room.") \
	X("sluice_neigh_conflicts_total", \
	  "Claims to a wanted next hop's address by another MAC: refused, or followed after a verification.") \
	X("sluice_exception_packets_total", \
	  "Kernel exception path: to the kernel, from it to the ports, dropped.") \
	X("sluice_sync_messages_total", \
	  "Session sync messages: sent, refused by the socket, received and accepted.") \
	X("sluice_sync_records_total", \
	  "Session sync connection records: sent, received, dropped for want of ring room, or naming a service not here.")

#define SL_COUNTER_FIELD3(f, p, h) uint64_t f;
#define SL_COUNTER_FIELD4(f, p, l, h) uint64_t f;
#define SL_COUNTER_ONE4(f, p, l, h) + 1
#define SL_CTL_COUNT (0 SL_CTL_COUNTERS(SL_COUNTER_ONE4))

#endif
