/* Suite assigned_memtype: the memory types an assigned device's BAR and
 * the guest's RAM get in the nested tables. The BAR is UC (EPT memory
 * type UC without IPAT, as KVM maps MMIO; NPT PCD|PWT) whatever the
 * coherency; the RAM's EPT leaves are WB with IPAT while every domain is
 * coherent and WB without it, so that the guest's PAT counts, while one
 * is not (KVM's vmx_get_mt_mask). No VT-d unit is needed: domains
 * without devices stand in (kvm_fix.h), so Bochs shows the VMX side. */
#include "lib/test.h"
#include "tests/kernel/assigned_fix.h"

static u64 ram_leaf(struct vm *vm)
{
	struct pt_walk w;

	ASSERT_OK(pt_lookup(&vm->mem.pt, GUEST_DMA_SRC_GPA, &w));
	return w.pte;
}

/* Without a VT-d unit (Bochs, VMX): a BAR stays UC while the RAM's EPT
 * leaves follow coherency (WB+IPAT, then WB with the guest's PAT), across
 * the rebuilds of the tables that brings. Domains without devices stand
 * in for the assigned ones (kvm_fix.h). */
TEST(assigned_memtype, bar_stays_uncached_while_ram_memtype_follows_coherency)
{
	const struct guest_step s[] = { STEP(GOP_HCALL, 1, 0, 0) };
	hpa_t bar = afix_device_memory();
	struct vtd_domain *n;
	struct assigned_fix *f = afix_vm(WBINVD_AUTO);
	struct vm *vm = &f->kf.vm;
	u64 ipat;

	ipat = vm->mem.fmt->ipat;
	ASSERT_OK(gmem_map_mmio(&vm->mem, GUEST_BAR_GPA, bar, PAGE_SIZE));
	ASSERT(kvm_run_script(&f->kf, s, ARRAY_SIZE(s)));
	afix_expect_bar_uncached(vm, bar);
	EXPECT_EQ(ram_leaf(vm) & ipat, ipat); /* coherent: IPAT (EPT) */
	n = kvm_dom_new(&f->kf, false);
	ASSERT(n != NULL);
	ASSERT_OK(vm_attach_domain(vm, n));
	ASSERT(kvm_run_script(&f->kf, s, ARRAY_SIZE(s)));
	afix_expect_bar_uncached(vm, bar);
	EXPECT_EQ(ram_leaf(vm) & ipat, 0); /* the guest's PAT honoured */
	ASSERT_OK(vm_detach_domain(vm, n));
	ASSERT(kvm_run_script(&f->kf, s, ARRAY_SIZE(s)));
	afix_expect_bar_uncached(vm, bar);
	EXPECT_EQ(ram_leaf(vm) & ipat, ipat);
	test_diag("%s: %lu rebuilds of the nested tables; BAR 0x%lx UC",
		  vm->ops->name, vm->mem.rebuilds, bar);
	EXPECT_EQ(vm->mem.rebuilds, ipat ? 2 : 0);
}

/* Memory types (SDM vol. 3A 11.3, table 11-2; PAT encodings 11.12.2). */
#define MT_UC	    0
#define MT_WC	    1
#define MT_WB	    6
#define MT_UC_MINUS 7

/* The type an access through an EPT leaf gets (SDM vol. 3C 29.3.7.2):
 * with IPAT the EPT type; else the EPT type in the MTRR's place of
 * vol. 3A 11.5.2.2, table 11-7 (only the EPT types this kernel writes). */
static int ept_effective(u8 ept, bool ipat, u8 pat)
{
	if (ipat)
		return ept;
	if (ept == MT_WB)
		return pat == MT_UC_MINUS ? MT_UC : pat;
	if (ept == MT_UC)
		return pat == MT_WC ? MT_WC : MT_UC;
	return -1;
}

/* The guest PAT type its own PDE for @lin selects (PAT:PCD:PWT). */
static u8 guest_type(struct vm *vm, u64 pat, u32 lin)
{
	u32 pde = *(u32 *)afix_ram(vm, GUEST_PD_GPA + (lin >> 22) * 4, 4);
	unsigned idx = (pde & GUEST_PDE_PWT ? 1 : 0) |
		       (pde & GUEST_PDE_PCD ? 2 : 0) |
		       (pde & GUEST_PDE_PAT ? 4 : 0);

	return (pat >> (idx * 8)) & 7;
}

/* The effective type of the guest's access to @lin -> @gpa, on VMX. */
static int access_type(struct vm *vm, u64 pat, u32 lin, gpa_t gpa)
{
	const struct pt_format *f = vm->mem.fmt;
	struct pt_walk w;

	ASSERT_OK(pt_lookup(&vm->mem.pt, gpa, &w));
	return ept_effective(FIELD_GET(f->memtype, w.pte), w.pte & f->ipat,
			     guest_type(vm, pat, lin));
}

/* The guest turns paging on and touches guest RAM through three aliases
 * whose PDEs select PAT entries WB, WC and UC. Emulators do not model
 * caches, so the effect is computed from what the CPU would combine: the
 * guest's PDEs (read from its RAM), its PAT (read by the guest), the EPT
 * leaf in use. Coherent: WB for every alias (IPAT); non-coherent: WB, WC,
 * UC (the guest's PAT honoured); the device memory UC throughout. */
static void expect_access_types(struct assigned_fix *f, const char *when,
				bool nc)
{
	struct vm *vm = &f->kf.vm;
	const struct vcpu_report *r = vcpu_report_find(f->kf.v, GREP_PAT);
	u64 pat;

	ASSERT(r != NULL);
	pat = ((u64)r->b << 32) | r->a;
	EXPECT_EQ(pat, VM_GUEST_PAT);
	int wb = access_type(vm, pat, GUEST_DMA_SRC_GPA, GUEST_DMA_SRC_GPA);
	int wc = access_type(vm, pat, GUEST_ALIAS_WC + GUEST_DMA_SRC_GPA,
			     GUEST_DMA_SRC_GPA);
	int uc = access_type(vm, pat, GUEST_ALIAS_UC + GUEST_DMA_SRC_GPA,
			     GUEST_DMA_SRC_GPA);
	int bar = access_type(vm, pat, GUEST_BAR_GPA, GUEST_BAR_GPA);

	test_diag("%s: accesses through PAT WB, WC, UC aliases and to the BAR "
		  "get types %d, %d, %d, %d",
		  when, wb, wc, uc, bar);
	EXPECT_EQ(wb, MT_WB);
	EXPECT_EQ(wc, nc ? MT_WC : MT_WB);
	EXPECT_EQ(uc, nc ? MT_UC : MT_WB);
	EXPECT_EQ(bar, MT_UC);
}

TEST(assigned_memtype, guest_pat_honoured_only_while_noncoherent)
{
	const struct guest_step s[] = {
		STEP(GOP_PAGING, 0, 0, 0),
		STEP(GOP_RDPAT, 0, 0, 0),
		STEP(GOP_TOUCH, GUEST_DMA_SRC_GPA, 0, 0),
		STEP(GOP_TOUCH, GUEST_ALIAS_WC + GUEST_DMA_SRC_GPA, 0, 0),
		STEP(GOP_TOUCH, GUEST_ALIAS_UC + GUEST_DMA_SRC_GPA, 0, 0),
	};
	struct assigned_fix *f = afix_vm(WBINVD_AUTO);
	struct vm *vm = &f->kf.vm;
	struct vtd_domain *n;
	unsigned touches = 0;

	if (vm->ops->vendor != VCPU_VMX)
		test_skip("EPT memory types are VMX's (this is %s)",
			  vm->ops->name);
	ASSERT_OK(gmem_map_mmio(&vm->mem, GUEST_BAR_GPA, afix_device_memory(),
				PAGE_SIZE));
	*(u32 *)afix_ram(vm, GUEST_DMA_SRC_GPA, 4) = 0x5eed1e55;
	ASSERT(kvm_run_script(&f->kf, s, ARRAY_SIZE(s)));
	for (unsigned i = 0; i < f->kf.v->nr_reports; i++)
		if (f->kf.v->reports[i].code == GREP_TOUCH &&
		    EXPECT_EQ(f->kf.v->reports[i].a, 0x5eed1e55))
			touches++;
	EXPECT_EQ(touches, 3);
	expect_access_types(f, "coherent", false);
	n = kvm_dom_new(&f->kf, false);
	ASSERT(n != NULL);
	ASSERT_OK(vm_attach_domain(vm, n));
	ASSERT(kvm_run_script(&f->kf, s, ARRAY_SIZE(s)));
	expect_access_types(f, "non-coherent", true);
}
