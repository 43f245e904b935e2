/* VMX on every CPU, and the one VMCS a CPU has current. SDM vol. 3C 24.7
 * (enabling VMX), 24.11.1 and 24.11.3 (VMCS state: a VMCS is active on
 * one CPU at a time; before it runs on another, VMCLEAR on the first,
 * then VMPTRLD, and the next entry is VMLAUNCH). */
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "arch/x86/smp.h"
#include "kvmlike/vm.h"
#include "kvmlike/vmx.h"
#include "kvmlike/vmx_priv.h"
#include "lib/errno.h"

struct vmx_cpu {
	void *vmxon; /* the VMXON region */
	bool on;
	int err;		  /* of the last vmx_cpu_on */
	struct vmx_vcpu *current; /* the VMCS VMPTRLD made current here */
};

static struct vmx_cpu vmx_cpus[MAX_CPUS];

static u32 vmx_revision(void)
{
	return (u32)rdmsr(MSR_IA32_VMX_BASIC) & 0x7fffffff;
}

void vmx_init_region(void *page)
{
	*(u32 *)page = vmx_revision();
}

/* INVEPT or INVVPID (30.3) of @type with the 128-bit descriptor {a, b}:
 * false on VMfail (CF or ZF: a type the CPU lacks, a bad descriptor). */
static bool vmx_inv(bool ept, u64 type, u64 a, u64 b)
{
	struct {
		u64 a, b;
	} desc = { a, b };
	bool fail;

	if (ept)
		asm volatile("invept %1, %2; setbe %0"
			     : "=q"(fail)
			     : "m"(desc), "r"(type)
			     : "cc", "memory");
	else
		asm volatile("invvpid %1, %2; setbe %0"
			     : "=q"(fail)
			     : "m"(desc), "r"(type)
			     : "cc", "memory");
	return !fail;
}

/* The EPT capability MSR exists only where EPT may be enabled (A.10):
 * the secondary controls, then EPT among them (Bochs' core2_penryn_t9600
 * has neither, and the MSR is #GP there). 0 without EPT. */
static u64 vmx_ept_cap(void)
{
	if (!(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS) &
	      ((u64)CPU_SECONDARY << 32)) ||
	    !(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) &
	      ((u64)CPU2_ENABLE_EPT << 32)))
		return 0;
	return rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
}

/* 29.4.3.1: VMXON and VMXOFF need not invalidate EPTP-tagged mappings,
 * so a CPU may come out of VMXON still holding some for an EPTP that was
 * freed since (an earlier VM's root, now reused). Drop them all (KVM
 * ept_sync_global after VMXON). Without all-context INVEPT vmx_create
 * refuses EPT, as KVM does. */
static int vmx_flush_after_vmxon(void)
{
	if (!(vmx_ept_cap() & VMX_EPT_CAP_INVEPT_ALL))
		return 0;
	if (vmx_inv(true, INVEPT_ALL, 0, 0))
		return 0;
	kprintf("# kvm: vmx: CPU %u: all-context INVEPT after VMXON failed "
		"(VMfail)\n",
		smp_cpu());
	return -EIO;
}

/* 24.7: IA32_FEATURE_CONTROL locked with VMXON allowed outside SMX, and
 * CR0/CR4 within the FIXED0/FIXED1 MSRs (CR0.NE and CR4.VMXE among
 * them). Runs on the CPU it enables (on_cpus). */
static void vmx_cpu_on(void *arg)
{
	struct vmx_cpu *c = &vmx_cpus[smp_cpu()];
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	(void)arg;
	c->err = -EPERM;
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON);
	else if (!(fc & FEATURE_CONTROL_VMXON))
		return;
	write_cr0((read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR0_FIXED1));
	write_cr4((read_cr4() | X86_CR4_VMXE | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR4_FIXED1));
	c->err = -EIO;
	if (!VMX_PA_INSN("vmxon", virt_to_phys(c->vmxon))) {
		write_cr4(read_cr4() & ~(u64)X86_CR4_VMXE);
		return;
	}
	c->on = true;
	c->err = vmx_flush_after_vmxon();
}

static void vmx_cpu_off(void *arg)
{
	struct vmx_cpu *c = &vmx_cpus[smp_cpu()];

	(void)arg;
	if (c->on || (read_cr4() & X86_CR4_VMXE))
		asm volatile("vmxoff" ::: "cc", "memory");
	c->on = false;
	c->current = NULL;
	write_cr4(read_cr4() & ~(u64)X86_CR4_VMXE);
}

static void vmx_free_regions(void)
{
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		if (vmx_cpus[i].vmxon)
			page_free(vmx_cpus[i].vmxon);
		vmx_cpus[i] = (struct vmx_cpu){ 0 };
	}
}

void vmx_hw_disable(void)
{
	on_cpus(vm_hw_cpus(), vmx_cpu_off, NULL);
	vmx_free_regions();
}

static int vmx_cpu_prepare(unsigned cpu)
{
	struct vmx_cpu *c = &vmx_cpus[cpu];

	c->vmxon = page_alloc();
	c->err = -EIO; /* until the CPU says otherwise */
	if (!c->vmxon)
		return -ENOMEM;
	vmx_init_region(c->vmxon);
	return 0;
}

static int vmx_cpu_result(unsigned cpu)
{
	return vmx_cpus[cpu].err;
}

/* The regions are allocated here, VMXON runs on each online CPU. */
int vmx_hw_enable(void)
{
	int err = vm_hw_enable_each(vmx_cpu_prepare, vmx_cpu_on,
				    vmx_cpu_result);

	if (err)
		vmx_hw_disable();
	return err;
}

void vmx_hw_force_off(void)
{
	vmx_hw_disable();
}

/* 29.4.3.1: after changing EPT entries, INVEPT for the EPTP: single
 * context when IA32_VMX_EPT_VPID_CAP[25] says the CPU has it, else all
 * contexts when bit 26 does (A.10). -EOPNOTSUPP with neither, -EIO when
 * INVEPT failed. */
int vmx_invept(u64 eptp)
{
	u64 cap = vmx_ept_cap();
	u64 type = (cap & VMX_EPT_CAP_INVEPT_SINGLE) ? INVEPT_SINGLE
		   : (cap & VMX_EPT_CAP_INVEPT_ALL)  ? INVEPT_ALL
						     : 0;

	if (!type)
		return -EOPNOTSUPP;
	if (vmx_inv(true, type, eptp, 0))
		return 0;
	kprintf("# kvm: vmx: INVEPT (type %lu) of EPTP 0x%lx failed (VMfail)\n",
		type, eptp);
	return -EIO;
}

/* 29.4.3: INVEPT for the EPTP, INVVPID for the VPID (single context when
 * the CPU has it, else all contexts): a CPU the vCPU comes (back) to may
 * hold translations tagged with them. The VMCS's own values. */
int vmx_flush_tags(struct vmx_vcpu *vv)
{
	u64 cap = vmx_ept_cap();
	u64 type = (cap & VMX_VPID_CAP_INVVPID_SINGLE) ? INVVPID_SINGLE
						       : INVVPID_ALL;
	int err = vv->eptp ? vmx_invept(vv->eptp) : 0;

	if (err || !vv->vpid)
		return err;
	if (vmx_inv(false, type, vv->vpid, 0))
		return 0;
	kprintf("# kvm: vmx: INVVPID (type %lu) of VPID %u failed (VMfail)\n",
		type, vv->vpid);
	return -EIO;
}

/* VMCLEAR where the VMCS is active (on_cpus when that is another CPU):
 * its state goes to memory and it may be loaded anywhere. */
static void vmx_clear_here(void *arg)
{
	struct vmx_vcpu *vv = arg;
	struct vmx_cpu *c = &vmx_cpus[smp_cpu()];

	if (c->on)
		VMX_PA_INSN("vmclear", virt_to_phys(vv->vmcs));
	if (c->current == vv)
		c->current = NULL;
}

void vmx_unload(struct vmx_vcpu *vv)
{
	if (vv->cpu < 0)
		return;
	if ((unsigned)vv->cpu == smp_cpu())
		vmx_clear_here(vv);
	else
		on_cpus(cpumask_of((unsigned)vv->cpu), vmx_clear_here, vv);
	vv->cpu = -1;
	vv->launched = false;
}

/* Make @vv current on this CPU. Coming from another CPU, it is cleared
 * there first, its host state is this CPU's (GDT, IDT, TSS, FS/GS
 * bases) and the translations this CPU may still hold for its EPTP and
 * VPID from an earlier stay are flushed (KVM vmx_vcpu_load_vmcs). */
int vmx_load(struct vmx_vcpu *vv)
{
	unsigned cpu = smp_cpu();
	struct vmx_cpu *c = &vmx_cpus[cpu];
	bool moved = vv->cpu != (int)cpu;

	if (!c->on)
		return -ENODEV;
	if (c->current == vv)
		return 0;
	if (moved)
		vmx_unload(vv);
	if (!VMX_PA_INSN("vmptrld", virt_to_phys(vv->vmcs)))
		return -EIO;
	c->current = vv;
	vv->cpu = (int)cpu;
	if (moved && (!vmx_write_host_state() || vmx_flush_tags(vv)))
		return -EIO;
	return 0;
}
