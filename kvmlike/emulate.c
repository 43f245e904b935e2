/* The guest's own MSRs, CPUID, control registers and instruction lengths.
 * Deny by default: an MSR not named here is #GP, whatever the host has
 * there; none of these writes reaches a register of the host. */
#include "kvmlike/emulate.h"
#include "arch/x86/cpu.h"
#include "kvmlike/vm.h"
#include "lib/errno.h"
#include "lib/string.h"

#define APIC_BASE_BSP	  BIT(8)
#define APIC_BASE_ENABLE  BIT(11)
#define APIC_BASE_DEFAULT (0xfee00000ULL | APIC_BASE_BSP | APIC_BASE_ENABLE)
#define MTRRCAP_VALUE	  (VCPU_MTRR_VAR | BIT(8) /* FIX */ | BIT(10) /* WC */)
#define MTRR_DEF_FE_E	  (BIT(10) | BIT(11))
#define EFER_GUEST_BITS	  (EFER_SCE | EFER_NXE)

void emul_reset(struct vcpu *v)
{
	memset(&v->msrs, 0, sizeof(v->msrs));
	v->msrs.pat = VM_GUEST_PAT;
	v->msrs.apic_base = APIC_BASE_DEFAULT;
}

/* PAT entries (SDM vol. 3A 13.12.2) and MTRR types (12.11.2.2): 2 and 3
 * are reserved; 7 (UC-) is a PAT type only. */
static bool memtype_ok(u8 t, bool pat)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6 ||
	       (pat && t == 7);
}

static bool memtypes_ok(u64 v, bool pat)
{
	for (unsigned i = 0; i < 8; i++)
		if (!memtype_ok((u8)(v >> (8 * i)), pat))
			return false;
	return true;
}

/* The MSRs kept as plain values, by number; NULL for the others. */
static u64 *msr_slot(struct vcpu_msrs *m, u32 msr)
{
	if (msr >= MSR_MTRR_PHYSBASE0 &&
	    msr < MSR_MTRR_PHYSBASE0 + 2 * VCPU_MTRR_VAR)
		return &m->mtrr_var[msr - MSR_MTRR_PHYSBASE0];
	if (msr >= MSR_MTRR_FIX4K_C0000 && msr <= MSR_MTRR_FIX4K_C0000 + 7)
		return &m->mtrr_fixed[3 + msr - MSR_MTRR_FIX4K_C0000];
	switch (msr) {
	case MSR_MTRR_FIX64K_00000:
		return &m->mtrr_fixed[0];
	case MSR_MTRR_FIX16K_80000:
		return &m->mtrr_fixed[1];
	case MSR_MTRR_FIX16K_A0000:
		return &m->mtrr_fixed[2];
	case MSR_STAR:
		return &m->star;
	case MSR_LSTAR:
		return &m->lstar;
	case MSR_CSTAR:
		return &m->cstar;
	case MSR_SFMASK:
		return &m->sfmask;
	case MSR_KERNEL_GS_BASE:
		return &m->kernel_gs_base;
	case MSR_IA32_SYSENTER_CS:
		return &m->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:
		return &m->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:
		return &m->sysenter_eip;
	}
	return NULL;
}

int emul_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
	u64 *slot = msr_slot(&v->msrs, msr);

	switch (msr) {
	case MSR_EFER:
		*val = v->msrs.efer;
		return 0;
	case MSR_IA32_PAT:
		*val = v->msrs.pat;
		return 0;
	case MSR_IA32_APIC_BASE:
		*val = v->msrs.apic_base;
		return 0;
	case MSR_MTRRCAP:
		*val = MTRRCAP_VALUE;
		return 0;
	case MSR_MTRR_DEF_TYPE:
		*val = v->msrs.mtrr_def_type;
		return 0;
	}
	if (!slot)
		return -EPERM;
	*val = *slot;
	return 0;
}

/* EFER: SVME is the host's (forced on in the VMCB, hidden from the
 * guest); LMA is read-only, kept whatever the write says (KVM set_efer),
 * as SDM vol. 3C 26.3.1.1 needs it equal to the IA-32e-mode-guest entry
 * control; a write of any bit but SCE, NXE is #GP.
 * LME is #GP too: the guest never reaches IA-32e mode. There SWAPGS and
 * SYSCALL would use KernelGSBase, STAR, LSTAR, CSTAR and SFMASK, which
 * VMX does not switch (they are the host's in the guest: KVM swaps them
 * as "user-return" MSRs); refusing long mode keeps them inert in the
 * guest with no MSR switched on every entry and exit. (Changing LME with
 * paging on would be #GP anyway, SDM vol. 3A 10.8.5; KVM set_efer.) */
static int wr_efer(struct vcpu *v, u64 val)
{
	if (val & ~(u64)(EFER_GUEST_BITS | EFER_LMA))
		return -EPERM;
	val = (val & ~(u64)EFER_LMA) | (v->msrs.efer & EFER_LMA);
	v->msrs.efer = val;
	v->ops->set_efer(v, val);
	return 0;
}

/* The APIC base is the guest's own number: this host emulates no APIC
 * for it, and never moves or disables its own. Reserved bits are #GP. */
static int wr_apic_base(struct vcpu *v, u64 val)
{
	if (val & (GENMASK_ULL(7, 0) | BIT(9) | GENMASK_ULL(63, 52)))
		return -EPERM;
	v->msrs.apic_base = val;
	return 0;
}

int emul_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
	u64 *slot = msr_slot(&v->msrs, msr);

	switch (msr) {
	case MSR_EFER:
		return wr_efer(v, val);
	case MSR_IA32_PAT: /* the guest's PAT: G_PAT / the VMCS field */
		if (!memtypes_ok(val, true))
			return -EPERM;
		v->msrs.pat = val;
		v->ops->set_pat(v, val);
		return 0;
	case MSR_IA32_APIC_BASE:
		return wr_apic_base(v, val);
	case MSR_MTRR_DEF_TYPE:
		if ((val & ~(MTRR_DEF_FE_E | 0xff)) ||
		    !memtype_ok((u8)val, false))
			return -EPERM;
		v->msrs.mtrr_def_type = val;
		return 0;
	}
	if (!slot)
		return -EPERM;
	if (slot >= v->msrs.mtrr_fixed && slot < v->msrs.mtrr_fixed + 11 &&
	    !memtypes_ok(val, false))
		return -EPERM;
	*slot = val;
	return 0;
}

void emul_cpuid(u32 leaf, u32 sub, u32 out[4])
{
	struct cpuid_regs r = cpuid(leaf, sub);

	if (leaf == 1) {
		/* MONITOR (refused: an MWAIT could idle the CPU in a C-state
		 * where the preemption timer stops), VMX, XSAVE, OSXSAVE */
		r.ecx &= ~(u32)(BIT(3) | BIT(5) | BIT(26) | BIT(27));
		r.ecx |= BIT(31); /* hypervisor */
	}
	if (leaf == 0x80000001)
		r.ecx &= ~(u32)BIT(2); /* SVM */
	if (leaf == 0x8000000a)
		r = (struct cpuid_regs){ 0 };
	out[0] = r.eax;
	out[1] = r.ebx;
	out[2] = r.ecx;
	out[3] = r.edx;
}

u64 *emul_gpr(struct vcpu *v, unsigned n)
{
	struct vcpu_regs *r = &v->regs;
	u64 *const map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx,
			       NULL,	&r->rbp, &r->rsi, &r->rdi,
			       &r->r8,	&r->r9,	 &r->r10, &r->r11,
			       &r->r12, &r->r13, &r->r14, &r->r15 };

	return n < 16 ? map[n] : NULL;
}

static bool is_prefix(u8 b)
{
	static const u8 p[] = { 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e,
				0x26, 0x64, 0x65, 0x66, 0x67 };

	for (unsigned i = 0; i < sizeof(p); i++)
		if (p[i] == b)
			return true;
	return false;
}

/* The instruction's bytes, as many as guest RAM holds up to 15. */
static const u8 *fetch(struct vcpu *v, u64 rip, unsigned *n)
{
	for (*n = 15; *n; (*n)--) {
		const u8 *p = vm_guest_ptr(v->vm, rip, *n);
		if (p)
			return p;
	}
	return NULL;
}

/* The 0F xx opcodes intercepted here (SDM vol. 2, appendix A). */
static int len_0f(const u8 *op, unsigned left)
{
	if (left < 2)
		return -EINVAL;
	switch (op[1]) {
	case 0x06: /* CLTS */
	case 0x08: /* INVD */
	case 0x09: /* WBINVD; F3: WBNOINVD */
	case 0x30: /* WRMSR */
	case 0x32: /* RDMSR */
	case 0xa2: /* CPUID */
		return 2;
	case 0x01: /* VMCALL, VMMCALL, XSETBV, SVM's: ModRM C0-FF */
	case 0x20: /* MOV r, CR */
	case 0x22: /* MOV CR, r: the register form only (mod ignored) */
		return left >= 3 && (op[2] >= 0xc0 || op[1] != 0x01) ? 3
								     : -EINVAL;
	}
	return -EINVAL;
}

int emul_insn_len(struct vcpu *v, u64 rip)
{
	unsigned n, pfx = 0;
	const u8 *p = fetch(v, rip, &n);
	int len;

	if (!p)
		return -EINVAL;
	while (pfx < n && is_prefix(p[pfx]))
		pfx++;
	if (pfx == n)
		return -EINVAL;
	switch (p[pfx]) {
	case 0xf4:	    /* HLT */
	case 0xec ... 0xef: /* IN/OUT with DX */
		return (int)pfx + 1;
	case 0xe4 ... 0xe7: /* IN/OUT imm8 */
		return (int)pfx + 2;
	case 0x0f:
		len = len_0f(p + pfx, n - pfx);
		return len < 0 ? len : (int)pfx + len;
	}
	return -EINVAL;
}

/* The general register a MOV to/from CR names (ModRM.rm), from its bytes
 * when the CPU did not say (SVM without decode assists). */
static int cr_gpr(struct vcpu *v, const struct vcpu_exit *e)
{
	unsigned n, pfx = 0;
	const u8 *p;

	if (e->gpr >= 0)
		return e->gpr;
	p = fetch(v, e->rip, &n);
	while (p && pfx < n && is_prefix(p[pfx]))
		pfx++;
	if (!p || pfx + 3 > n || p[pfx] != 0x0f ||
	    (p[pfx + 1] != 0x20 && p[pfx + 1] != 0x22))
		return -EINVAL;
	return p[pfx + 2] & 7;
}

/* The CR0 a CLTS or a register-form LMSW at the exit's RIP makes of
 * @cr0, or -EINVAL for any other instruction. SVM's CR0 write intercept
 * takes both (APM vol. 2 15.9; decode assists mark only MOV CR). CLTS
 * clears TS; LMSW loads PE, MP, EM and TS from the low bits of its
 * operand and cannot clear PE (SDM vol. 2A). A memory operand is not
 * decoded: the vCPU is then stopped as unhandled. */
static int clts_lmsw(struct vcpu *v, const struct vcpu_exit *e, u64 cr0,
		     u64 *out)
{
	const u64 low = X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS;
	unsigned n, pfx = 0;
	const u8 *p = fetch(v, e->rip, &n);

	while (p && pfx < n && is_prefix(p[pfx]))
		pfx++;
	if (!p || pfx + 2 > n || p[pfx] != 0x0f)
		return -EINVAL;
	if (p[pfx + 1] == 0x06) {
		*out = cr0 & ~(u64)X86_CR0_TS;
		return 0;
	}
	if (p[pfx + 1] != 0x01 || pfx + 3 > n || (p[pfx + 2] & 0xf8) != 0xf0)
		return -EINVAL; /* LMSW r16: ModRM mod 3, reg 6 */
	u64 src = *emul_gpr(v, p[pfx + 2] & 7) & low;
	*out = (cr0 & ~(low & ~(u64)X86_CR0_PE)) | src;
	return 0;
}

/* CR0: NW without CD, and PG without PE, are #GP (SDM vol. 3A 2.5). The
 * guest is 32-bit: the upper half of its register is not part of it. */
int emul_cr(struct vcpu *v, const struct vcpu_exit *e)
{
	int n = cr_gpr(v, e);
	u64 *r = n < 0 ? NULL : emul_gpr(v, (unsigned)n);
	u64 val;

	if (!r && e->write && e->cr == 0 &&
	    !clts_lmsw(v, e, v->ops->get_cr(v, 0), &val)) {
		v->ops->set_cr(v, 0, val);
		return 0;
	}
	if (!r || (e->cr != 0 && e->cr != 3 && e->cr != 4))
		return -EINVAL;
	if (!e->write) {
		*r = v->ops->get_cr(v, e->cr);
		return 0;
	}
	val = *r & 0xffffffff;
	if (e->cr == 0 && (((val & X86_CR0_NW) && !(val & X86_CR0_CD)) ||
			   ((val & X86_CR0_PG) && !(val & X86_CR0_PE))))
		return -EPERM;
	v->ops->set_cr(v, e->cr, val);
	return 0;
}
