/* The contain suites' fixture (contain_fix.h). */
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "kvmlike/emulate.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/contain_fix.h"

struct kvm_fix contain_kf;
u8 contain_canary[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* The host MSRs a guest could aim at; the MTRRs only where CPUID has
 * them (CPUID.1:EDX[12]). */
static const u32 watched[] = {
	MSR_EFER,
	MSR_IA32_PAT,
	MSR_IA32_APIC_BASE,
	MSR_STAR,
	MSR_LSTAR,
	MSR_CSTAR,
	MSR_SFMASK,
	MSR_KERNEL_GS_BASE,
	MSR_FS_BASE,
	MSR_GS_BASE,
	MSR_IA32_SYSENTER_CS,
	MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP,
	MSR_MTRR_DEF_TYPE,
	MSR_MTRR_PHYSBASE0,
	MSR_MTRR_PHYSBASE0 + 1,
};

struct host_state {
	u64 msr[ARRAY_SIZE(watched)];
	u64 cr0, cr4, fs_base_before;
};

static struct host_state host;

static bool is_mtrr(u32 msr)
{
	return msr == MSR_MTRR_DEF_TYPE ||
	       (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 16);
}

static bool readable(u32 msr)
{
	return !is_mtrr(msr) || (cpuid(1, 0).edx & BIT(12));
}

static void host_read(struct host_state *h)
{
	for (unsigned i = 0; i < ARRAY_SIZE(watched); i++)
		h->msr[i] = readable(watched[i]) ? rdmsr(watched[i]) : 0;
	h->cr0 = read_cr0();
	h->cr4 = read_cr4();
}

/* A VM, a canary page the guest is pointed at, and the host's state. */
bool contain_begin(void)
{
	memset(contain_canary, CANARY, sizeof(contain_canary));
	if (!kvm_fix_begin(&contain_kf, WBINVD_AUTO))
		return false;
	host.fs_base_before = rdmsr(MSR_FS_BASE);
	wrmsr(MSR_FS_BASE, HOST_FS_BASE);
	host_read(&host);
	contain_kf.v->run_us = WATCHDOG_US * 10;
	return true;
}

/* The host is as it was: every watched MSR, CR0, CR4, the canary. */
void contain_end(void)
{
	struct host_state now;
	unsigned changed = 0;

	host_read(&now);
	wrmsr(MSR_FS_BASE, host.fs_base_before);
	for (unsigned i = 0; i < ARRAY_SIZE(watched); i++) {
		if (now.msr[i] == host.msr[i])
			continue;
		test_diag("host MSR 0x%x changed: 0x%lx -> 0x%lx", watched[i],
			  host.msr[i], now.msr[i]);
		changed++;
	}
	EXPECT_EQ(changed, 0);
	EXPECT_EQ(now.cr0, host.cr0);
	EXPECT_EQ(now.cr4, host.cr4);
	EXPECT_BYTES(contain_canary, CANARY, sizeof(contain_canary));
	kvm_fix_end(&contain_kf);
}

/* The @n-th report with @code (0 first); NULL when there are fewer. */
const struct vcpu_report *contain_report(u32 code, unsigned n)
{
	for (unsigned i = 0; i < contain_kf.v->nr_reports; i++)
		if (contain_kf.v->reports[i].code == code && n-- == 0)
			return &contain_kf.v->reports[i];
	return NULL;
}

/* The guest's exception reports: vector @vec, @n-th of them. */
bool contain_expect_exception(u8 vec, unsigned n)
{
	const struct vcpu_report *r = contain_report(GREP_EXC, n);

	if (!EXPECT_TRUE(r != NULL))
		return false;
	return EXPECT_EQ(r->a, vec);
}

u64 contain_report_u64(const struct vcpu_report *r)
{
	return r ? ((u64)r->b << 32) | r->a : ~0ULL;
}

/* What the host saw of the last thing the guest tried, in words. */
void contain_diag(const char *tried)
{
	const struct vcpu_contained *c = &contain_kf.v->contained;

	test_diag("guest: %s; host saw %s exit 0x%lx at RIP 0x%lx (RAX 0x%lx "
		  "RCX 0x%lx RDX 0x%lx), %s%s",
		  tried, vcpu_exit_name(c->exit.kind), c->exit.reason,
		  c->exit.rip, c->rax, c->rcx, c->rdx,
		  c->injected == NO_EXCEPTION ? "emulated on the guest's copy"
					      : "refused: the guest got ",
		  c->injected == X86_VEC_UD   ? "#UD"
		  : c->injected == X86_VEC_GP ? "#GP"
					      : "");
}

void contain_skip_unless_svm(void)
{
	if (vm_ops(&contain_kf.vm)->vendor == VCPU_SVM)
		return;
	kvm_fix_end(&contain_kf);
	test_skip("an SVM instruction: this CPU has VMX, where it is #UD "
		  "in any guest");
}
