/* Suite cpu: vendor, and the virtualization extension the lane expects. */
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "arch/x86/smp.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "kvmlike/kvm.h"
#include "kvmlike/vcpu.h"
#include "lib/test.h"
#include "kernel/kstate.h"

static bool has_vmx(void)
{
	return cpuid(1, 0).ecx & BIT(5);
}

static bool has_svm(void)
{
	return cpuid(0x80000000, 0).eax >= 0x80000001 &&
	       (cpuid(0x80000001, 0).ecx & BIT(2));
}

TEST(cpu, vendor_identified)
{
	struct cpuid_regs r = cpuid(0, 0);
	char v[13];

	memcpy(v, &r.ebx, 4);
	memcpy(v + 4, &r.edx, 4);
	memcpy(v + 8, &r.ecx, 4);
	v[12] = 0;
	u32 sig = cpuid(1, 0).eax;
	test_diag("%s family 0x%x model 0x%x, vmx %d svm %d", v,
		  ((sig >> 8) & 0xf) + ((sig >> 20) & 0xff),
		  ((sig >> 4) & 0xf) | ((sig >> 12) & 0xf0), has_vmx(),
		  has_svm());
	EXPECT_TRUE(!strcmp(v, "GenuineIntel") || !strcmp(v, "AuthenticAMD"));
}

TEST(cpu, virtualization_as_expected)
{
	switch (kstate.opts.expect_virt) {
	case VIRT_UNSET:
		test_skip("no expect_virt= given (vmx %d, svm %d)", has_vmx(),
			  has_svm());
	case VIRT_NONE:
		EXPECT_FALSE(has_vmx() || has_svm());
		break;
	case VIRT_VMX:
		EXPECT_TRUE(has_vmx());
		break;
	case VIRT_SVM:
		EXPECT_TRUE(has_svm());
		break;
	}
}

/* The VM layer's own enable and disable (kvmlike/vmx.c: feature control,
 * fixed CR0/CR4 bits, VMXON region; SDM vol. 3C 24.7, 24.8): VMXON must
 * succeed and VMXOFF return with CR4.VMXE clear again. */
TEST(cpu, vmxon_succeeds_and_vmxoff_returns)
{
	if (!has_vmx())
		test_skip("CPU has no VMX");
	ASSERT_OK(vmx_ops.hw_enable());
	EXPECT_TRUE(read_cr4() & X86_CR4_VMXE);
	vmx_ops.hw_disable();
	EXPECT_FALSE(read_cr4() & X86_CR4_VMXE);
}

static bool svme_on[MAX_CPUS];

static void svme_of_cpu(void *arg)
{
	svme_on[smp_cpu()] = rdmsr(MSR_EFER) & EFER_SVME;
}

/* The online CPUs whose EFER.SVME is set (each CPU writes its own). */
static cpumask_t cpus_with_svme(void)
{
	cpumask_t m = cpumask_none();
	unsigned cpu;

	memset(svme_on, 0, sizeof(svme_on));
	EXPECT_OK(on_cpus(smp_online_mask(), svme_of_cpu, NULL));
	for_each_cpu(cpu, smp_online_mask()) if (svme_on[cpu])
	    cpumask_set(&m, cpu);
	return m;
}

/* AMD APM vol. 2 section 15.4: SVM is enabled by EFER.SVME unless
 * VM_CR.SVMDIS is set by firmware. The kernel turns it on on every CPU at
 * boot (vm_hw_load); here it goes off on every CPU and on again. */
TEST(cpu, svme_sets_and_clears)
{
	cpumask_t all = smp_online_mask();

	if (!has_svm())
		test_skip("CPU has no SVM");
	if (vcpu_ops_detect() != &svm_ops)
		test_skip("the VM layer does not use SVM on this CPU: %s",
			  has_vmx()
			      ? "it uses VMX"
			      : "no nested paging (CPUID 8000000Ah:EDX[0])");
	ASSERT_OK(kstate.virt_err);
	EXPECT_TRUE(cpumask_equal(cpus_with_svme(), all));
	u64 efer = rdmsr(MSR_EFER);
	svm_ops.hw_disable();
	EXPECT_EQ(rdmsr(MSR_EFER), efer & ~(u64)EFER_SVME);
	EXPECT_TRUE(cpumask_empty(cpus_with_svme()));
	ASSERT_OK(svm_ops.hw_enable());
	EXPECT_EQ(rdmsr(MSR_EFER), efer);
	EXPECT_TRUE(cpumask_equal(cpus_with_svme(), all));
}
