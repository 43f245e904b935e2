/* Suite cpu: vendor, and the virtualization extension the lane expects. */
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/kernel.h"

#define MSR_IA32_VMX_BASIC		  0x480
#define MSR_IA32_VMX_CR0_FIXED0		  0x486
#define MSR_IA32_VMX_CR0_FIXED1		  0x487
#define MSR_IA32_VMX_CR4_FIXED0		  0x488
#define MSR_IA32_VMX_CR4_FIXED1		  0x489
#define FEATURE_CONTROL_LOCK		  BIT(0)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX BIT(2)
#define MSR_VM_CR			  0xc0010114
#define VM_CR_SVMDIS			  BIT(4)

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

/* SDM vol. 3C section 24.7 (enabling VMX) and 24.8 (fixed CR bits). */
static int vmx_enable(void *region)
{
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK |
			  FEATURE_CONTROL_VMXON_OUTSIDE_SMX);
	else if (!(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX))
		return -EPERM;
	write_cr0((read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR0_FIXED1));
	write_cr4(
	    ((read_cr4() | X86_CR4_VMXE) | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) &
	    rdmsr(MSR_IA32_VMX_CR4_FIXED1));
	*(u32 *)region = (u32)rdmsr(MSR_IA32_VMX_BASIC) & 0x7fffffff;
	return 0;
}

TEST(cpu, vmxon_succeeds_and_vmxoff_returns)
{
	u8 cf = 1, zf = 1;

	if (!has_vmx())
		test_skip("CPU has no VMX");
	void *region = page_alloc();
	ASSERT_TRUE(region != NULL);
	ASSERT_OK(vmx_enable(region));
	u64 pa = virt_to_phys(region);
	asm volatile("vmxon %2; setc %0; setz %1"
		     : "=r"(cf), "=r"(zf)
		     : "m"(pa)
		     : "cc", "memory");
	EXPECT_EQ(cf, 0);
	EXPECT_EQ(zf, 0);
	if (!cf && !zf) {
		asm volatile("vmxoff; setc %0; setz %1"
			     : "=r"(cf), "=r"(zf)::"cc", "memory");
		EXPECT_EQ(cf | zf, 0);
	}
	write_cr4(read_cr4() & ~X86_CR4_VMXE);
	page_free(region);
}

/* AMD APM vol. 2 section 15.4: SVM is enabled by EFER.SVME unless
 * VM_CR.SVMDIS is set by firmware. */
TEST(cpu, svme_sets_and_clears)
{
	if (!has_svm())
		test_skip("CPU has no SVM");
	ASSERT_EQ(rdmsr(MSR_VM_CR) & VM_CR_SVMDIS, 0);
	u64 efer = rdmsr(MSR_EFER);
	wrmsr(MSR_EFER, efer | EFER_SVME);
	EXPECT_TRUE(rdmsr(MSR_EFER) & EFER_SVME);
	wrmsr(MSR_EFER, efer);
	EXPECT_EQ(rdmsr(MSR_EFER), efer);
}
