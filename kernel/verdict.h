/* The verdict page: what a lab engineer reads on the machine's screen. */
#ifndef KERNEL_VERDICT_H
#define KERNEL_VERDICT_H

#include "lib/cmdline.h"

/* The verdict page on the screen (counts per suite in large type, the
 * failed tests, where the full log is), then with @o->hold wait for a key.
 * Nothing else is drawn on the screen afterwards. */
void report_verdict(const struct options *o, bool pass);

#endif
