/* Registration of the log types declared in log.h (constructors: before
 * rte_eal_init, so --log-level patterns apply to them). */
#include "log.h"

RTE_LOG_REGISTER(sl_logtype_app, sluice.app, INFO);
RTE_LOG_REGISTER(sl_logtype_ctl, sluice.ctl, INFO);
RTE_LOG_REGISTER(sl_logtype_health, sluice.health, INFO);
