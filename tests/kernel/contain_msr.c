/* Suite contain, the MSRs: a guest's RDMSR and WRMSR reach its own copy
 * of the few MSRs it may have (EFER, PAT, the MTRRs, the APIC base, the
 * syscall MSRs) or #GP, never the host's; its SYSCALL follows its own
 * STAR; long mode is refused. The suite's other tests: contain.c. */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "kvmlike/emulate.h"
#include "kvmlike/svm.h"
#include "lib/test.h"
#include "tests/kernel/contain_fix.h"

/* EFER: the guest's own (SCE, NXE; LME is #GP: long_mode_is_refused), SVME the host's (forced on in
 * the VMCB, hidden from the guest, #GP to set). */
TEST(contain, wrmsr_efer_changes_only_the_guests_efer)
{
	const struct guest_step s[] = {
		{ .op = GOP_WRMSR, .arg = MSR_EFER, .lo = EFER_NXE },
		{ .op = GOP_RDMSR, .arg = MSR_EFER },
		{ .op = GOP_WRMSR, .arg = MSR_EFER, .lo = EFER_SVME },
		{ .op = GOP_WRMSR, .arg = MSR_EFER, .lo = 0 },
		{ .op = GOP_RDMSR, .arg = MSR_EFER },
	};

	if (!contain_begin())
		return;
	if (kvm_run_script(&contain_kf, s, ARRAY_SIZE(s))) {
		contain_diag("WRMSR EFER <- 0 (after NXE, then SVME)");
		EXPECT_EQ(contain_report_u64(contain_report(GREP_MSR, 0)),
			  EFER_NXE);
		EXPECT_EQ(contain_report_u64(contain_report(GREP_MSR, 1)), 0);
		contain_expect_exception(X86_VEC_GP, 0); /* SVME */
		EXPECT_EQ(contain_kf.v->contained.exit.kind, VCPU_EXIT_MSR);
		EXPECT_EQ(contain_kf.v->msrs.efer, 0);
	}
	/* The VM enters again with its EFER: VMRUN needs SVME there. */
	if (kvm_run_script(&contain_kf, s, 1))
		EXPECT_EQ(contain_kf.v->msrs.efer, EFER_NXE);
	contain_end();
}

TEST(contain, wrmsr_pat_changes_only_the_guests_pat)
{
	const u64 wb = 0x0606060606060606ULL, bad = 0x0606060606060602ULL;
	const struct guest_step s[] = {
		{ .op = GOP_WRMSR,
		  .arg = MSR_IA32_PAT,
		  .lo = (u32)wb,
		  .hi = wb >> 32 },
		{ .op = GOP_RDMSR, .arg = MSR_IA32_PAT },
		{ .op = GOP_WRMSR,
		  .arg = MSR_IA32_PAT,
		  .lo = (u32)bad,
		  .hi = bad >> 32 },
	};

	if (!contain_begin())
		return;
	if (kvm_run_script(&contain_kf, s, ARRAY_SIZE(s))) {
		contain_diag("WRMSR PAT <- a reserved type (2)");
		EXPECT_EQ(contain_report_u64(contain_report(GREP_MSR, 0)), wb);
		contain_expect_exception(X86_VEC_GP, 0);
		EXPECT_EQ(contain_kf.v->msrs.pat, wb);
	}
	contain_end();
}

/* The MTRRs are the guest's copy: MTRRdefType 0 (MTRRs off, everything
 * UC) would slow the whole host to a crawl if it reached hardware. */
TEST(contain, wrmsr_mtrr_changes_only_the_guests_copy)
{
	const struct guest_step s[] = {
		{ .op = GOP_RDMSR, .arg = MSR_MTRRCAP },
		{ .op = GOP_WRMSR, .arg = MSR_MTRR_DEF_TYPE, .lo = 0 },
		{ .op = GOP_WRMSR, .arg = MSR_MTRR_PHYSBASE0, .lo = 0x6 },
		{ .op = GOP_RDMSR, .arg = MSR_MTRR_PHYSBASE0 },
		{ .op = GOP_WRMSR, .arg = MSR_MTRR_DEF_TYPE, .lo = 0x802 },
	};

	if (!contain_begin())
		return;
	if (kvm_run_script(&contain_kf, s, ARRAY_SIZE(s))) {
		contain_diag("WRMSR MTRRdefType <- E | type 2 (reserved)");
		EXPECT_EQ(contain_report_u64(contain_report(GREP_MSR, 0)) &
			      0xff,
			  VCPU_MTRR_VAR);
		EXPECT_EQ(contain_report_u64(contain_report(GREP_MSR, 1)), 0x6);
		contain_expect_exception(X86_VEC_GP, 0);
		EXPECT_EQ(contain_kf.v->msrs.mtrr_def_type, 0);
	}
	contain_end();
}

/* Disabling or moving the APIC through the guest's APIC base changes its
 * number only: the host's APIC still delivers a self-IPI. */
TEST(contain, wrmsr_apic_base_leaves_the_hosts_apic_alone)
{
	const struct guest_step s[] = {
		{ .op = GOP_WRMSR,
		  .arg = MSR_IA32_APIC_BASE,
		  .lo = 0xfed00000 },
		{ .op = GOP_RDMSR, .arg = MSR_IA32_APIC_BASE },
	};
	u64 ipis = trap_count(VEC_TEST);

	if (!contain_begin())
		return;
	if (kvm_run_script(&contain_kf, s, ARRAY_SIZE(s))) {
		contain_diag("WRMSR APIC base <- 0xfed00000, APIC disabled");
		EXPECT_EQ(contain_report_u64(contain_report(GREP_MSR, 0)),
			  0xfed00000);
		EXPECT_EQ(contain_kf.v->contained.exit.kind, VCPU_EXIT_MSR);
	}
	apic_self_ipi(VEC_TEST);
	EXPECT_OK(WAIT_FOR(trap_count(VEC_TEST) > ipis, 10000));
	contain_end();
}

/* The local APIC's registers in x2APIC mode are MSRs 0x800-0x8ff (SDM
 * vol. 3A 11.12.1.2). With the host in that mode, a guest WRMSR to the
 * ICR or to SELF IPI that reached the hardware would send interrupts as
 * the host: each is #GP, and no interrupt arrives on the vector the guest
 * named. (In xAPIC mode the hardware would #GP them anyway.) */
TEST(contain, x2apic_msrs_are_gp_and_send_no_interrupt)
{
	struct guest_step s[] = {
		{ .op = GOP_RDMSR,
		  .arg = MSR_X2APIC_BASE + (APIC_REG_ID >> 4) },
		{ .op = GOP_WRMSR, .arg = MSR_X2APIC_ICR, .lo = VEC_TEST },
		{ .op = GOP_WRMSR, .arg = MSR_X2APIC_SELF_IPI, .lo = VEC_TEST },
	};
	u64 before = trap_count(VEC_TEST);

	if (!contain_begin())
		return;
	s[1].hi = apic_id(); /* this CPU, the one the vCPU runs on */
	if (kvm_run_script(&contain_kf, s, ARRAY_SIZE(s))) {
		contain_diag("WRMSR x2APIC SELF IPI <- VEC_TEST");
		for (unsigned i = 0; i < ARRAY_SIZE(s); i++)
			contain_expect_exception(X86_VEC_GP, i);
		EXPECT_EQ(contain_kf.v->stats.contained, 3);
	}
	udelay(1000);
	test_diag("host APIC in %s mode; %lu interrupt(s) on vector 0x%x",
		  apic_x2apic() ? "x2APIC" : "xAPIC",
		  trap_count(VEC_TEST) - before, VEC_TEST);
	EXPECT_EQ(trap_count(VEC_TEST), before);
	contain_end();
}

/* The syscall MSRs: the guest's copy, read back as written; on SVM the
 * VMCB's set is switched around VMRUN by VMSAVE/VMLOAD as well. */
TEST(contain, wrmsr_lstar_changes_only_the_guests_copy)
{
	const struct guest_step s[] = {
		{ .op = GOP_WRMSR,
		  .arg = MSR_LSTAR,
		  .lo = 0xbad0000,
		  .hi = 0xffffffff },
		{ .op = GOP_WRMSR, .arg = MSR_STAR, .lo = 1, .hi = 0x00100008 },
		{ .op = GOP_WRMSR, .arg = MSR_KERNEL_GS_BASE, .lo = 0xbad },
		{ .op = GOP_WRMSR, .arg = MSR_IA32_SYSENTER_EIP, .lo = 0xbad },
		{ .op = GOP_RDMSR, .arg = MSR_LSTAR },
	};

	if (!contain_begin())
		return;
	if (kvm_run_script(&contain_kf, s, ARRAY_SIZE(s))) {
		contain_diag("WRMSR LSTAR, STAR, KernelGSBase, SYSENTER_EIP");
		EXPECT_EQ(contain_report_u64(contain_report(GREP_MSR, 0)),
			  0xffffffff0bad0000ULL);
		EXPECT_TRUE(contain_report(GREP_EXC, 0) == NULL);
	}
	contain_end();
}

/* SYSCALL goes where the guest's own STAR says, never where the host's
 * does. On SVM, legacy-mode SYSCALL (AMD APM vol. 3) reaches the stub's
 * target with the return EIP in ECX: the guest's EFER.SCE and STAR are in
 * the VMCB. On Intel SYSCALL outside 64-bit mode is #UD (SDM vol. 2B),
 * and the guest never reaches 64-bit mode (long_mode_is_refused). The
 * host's EFER, STAR, LSTAR, CSTAR and SFMASK are unchanged (contain_end). */
TEST(contain, syscall_follows_the_guests_star)
{
	const struct guest_step s[] = { { .op = GOP_SYSCALL } };

	if (!contain_begin())
		return;
	if (kvm_run_script(&contain_kf, s, ARRAY_SIZE(s))) {
		const struct vcpu_report *ran = contain_report(GREP_RAN, 0);

		if (vm_ops(&contain_kf.vm)->vendor == VCPU_SVM) {
			if (EXPECT_TRUE(ran != NULL))
				EXPECT_EQ(ran->a, guest_stub_gpa(
						      guest_stub_syscall_ret));
			EXPECT_TRUE(contain_report(GREP_EXC, 0) == NULL);
			test_diag("guest: SYSCALL reached its STAR target, "
				  "returning to 0x%x",
				  ran ? ran->a : 0);
		} else {
			contain_expect_exception(6, 0); /* #UD */
			EXPECT_TRUE(ran == NULL);
			test_diag("guest: SYSCALL outside 64-bit mode: #UD");
		}
	}
	contain_end();
}

/* Long mode is refused: WRMSR EFER.LME is #GP (with or without paging),
 * so the guest never reaches IA-32e mode, where SWAPGS and SYSCALL would
 * use KernelGSBase, STAR, LSTAR and SFMASK, which VMX does not switch.
 * A write of LMA (read-only) keeps the CPU's value. Its KernelGSBase is
 * its own copy; the host's is unchanged (contain_end). */
TEST(contain, long_mode_is_refused)
{
	const struct guest_step s[] = {
		{ .op = GOP_WRMSR, .arg = MSR_KERNEL_GS_BASE, .lo = 0xbad },
		{ .op = GOP_WRMSR, .arg = MSR_EFER, .lo = EFER_LME },
		{ .op = GOP_WRMSR, .arg = MSR_EFER, .lo = EFER_LMA },
		{ .op = GOP_RDMSR, .arg = MSR_EFER },
		{ .op = GOP_RDMSR, .arg = MSR_KERNEL_GS_BASE },
	};

	if (!contain_begin())
		return;
	if (kvm_run_script(&contain_kf, s, ARRAY_SIZE(s))) {
		contain_diag("RDMSR KernelGSBase after WRMSR EFER <- LME");
		contain_expect_exception(X86_VEC_GP, 0);
		EXPECT_TRUE(contain_report(GREP_EXC, 1) ==
			    NULL); /* LMA: ignored */
		EXPECT_EQ(contain_report_u64(contain_report(GREP_MSR, 0)), 0);
		EXPECT_EQ(contain_report_u64(contain_report(GREP_MSR, 1)),
			  0xbad);
		EXPECT_EQ(contain_kf.v->msrs.efer, 0);
	}
	contain_end();
}

/* Deny by default: an MSR the host does not give the guest a copy of is
 * #GP, even one that exists (the host's VM_HSAVE_PA, FEATURE_CONTROL). */
TEST(contain, any_other_msr_is_gp)
{
	const struct guest_step s[] = {
		{ .op = GOP_RDMSR, .arg = MSR_VM_HSAVE_PA },
		{ .op = GOP_WRMSR, .arg = MSR_VM_HSAVE_PA, .lo = 0x1000 },
		{ .op = GOP_RDMSR, .arg = MSR_IA32_FEATURE_CONTROL },
	};

	if (!contain_begin())
		return;
	if (kvm_run_script(&contain_kf, s, ARRAY_SIZE(s))) {
		contain_diag("RDMSR IA32_FEATURE_CONTROL");
		for (unsigned i = 0; i < ARRAY_SIZE(s); i++)
			contain_expect_exception(X86_VEC_GP, i);
		EXPECT_TRUE(contain_report(GREP_MSR, 0) == NULL);
		EXPECT_EQ(contain_kf.v->stats.contained, 3);
	}
	contain_end();
}
