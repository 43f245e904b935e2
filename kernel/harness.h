/* The kernel's side of the test harness (lib/test.h). */
#ifndef KERNEL_HARNESS_H
#define KERNEL_HARNESS_H

/* Give the harness its clock, interrupt state and console, and route
 * exceptions no handler takes to it. After trap_init(). */
void harness_init(void);

#endif
