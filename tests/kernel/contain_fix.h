/* The contain suites' fixture (tests/kernel/contain*.c): a VM from
 * kvm_fix with a shorter watchdog, a host canary page the guest is
 * pointed at, and the host state every test must leave as it found it:
 * the MSRs a guest could aim at, CR0, CR4 and the canary. */
#ifndef TESTS_KERNEL_CONTAIN_FIX_H
#define TESTS_KERNEL_CONTAIN_FIX_H

#include "arch/x86/mm.h"
#include "tests/kernel/kvm_fix.h"

#define CANARY	     0xc5
#define HOST_FS_BASE 0x5a5a5000ULL /* the host's, while a test runs */
#define WATCHDOG_US  100000
#define NO_EXCEPTION 0xff

extern struct kvm_fix contain_kf;
extern u8 contain_canary[PAGE_SIZE];

/* A VM, the canary filled, the host's state read; false (the test
 * skipped) without one. */
bool contain_begin(void);
/* The host is as it was (each difference a failure), then the VM goes. */
void contain_end(void);
/* The @n-th report with @code (0 first); NULL when there are fewer. */
const struct vcpu_report *contain_report(u32 code, unsigned n);
/* The guest's @n-th exception report is vector @vec. */
bool contain_expect_exception(u8 vec, unsigned n);
/* A report's EBX:ECX as one value; all ones without a report. */
u64 contain_report_u64(const struct vcpu_report *r);
/* What the host saw of the last thing the guest tried, in words. */
void contain_diag(const char *tried);
/* Skip (the VM ended first) unless the CPU has SVM. */
void contain_skip_unless_svm(void);

#endif
