/* Suite assigned: a real DMA engine assigned to a VM (kvmlike/assign.h),
 * driven by the guest itself through its BAR. The bytes the guest's DMA
 * moves arrive in its own RAM and nowhere else; a DMA it aims outside its
 * RAM faults with the device's source id and touches no host byte; and
 * the domain's coherency, read from the hardware (ECAP.SC), decides
 * whether the guest's WBINVD is trapped, for every policy, before and
 * after detach and upgrade, with the DMA running.
 *
 * Needs an edu device behind a VT-d unit (the QEMU lanes); Bochs has no
 * IOMMU: every test skips there with "no VT-d unit". */
#include "arch/x86/mm.h"
#include "arch/x86/pci.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/fault.h"
#include "iommu/vtd/vtd.h"
#include "kvmlike/assign.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/kvm_fix.h"

#define N_WBINVD 8
#define DMA_LEN	 3000 /* of a page: the rest of it stays canary */
#define CANARY	 0xc5
#define SECRET	 0x5a /* host bytes no guest may read */
/* Second destination, past the first's guard page (guest.h's layout). */
#define DST2_GPA (GUEST_DMA_DST_GPA + 2 * PAGE_SIZE)
/* Canaries from the source's guard to the page after DST2. */
#define GUARD_LO (GUEST_DMA_SRC_GPA + PAGE_SIZE)
#define GUARD_HI (DST2_GPA + 2 * PAGE_SIZE)

static struct {
	struct kvm_fix kf;
	struct assigned_dev dev, dev2;
	struct vm vm2;
	struct vcpu *v2;
	bool vm2_up;
	u8 *host_page; /* a host page the guest aims at */
} fx;

static void fix_teardown(void *arg)
{
	struct vtd_unit *u = fx.dev.unit;

	assign_detach(&fx.dev2);
	if (fx.vm2_up)
		vm_destroy(&fx.vm2);
	fx.vm2_up = false;
	assign_detach(&fx.dev);
	kvm_fix_end(&fx.kf);
	if (fx.host_page)
		page_free(fx.host_page);
	fx.host_page = NULL;
	if (u) {
		vtd_fault_drain(u);
		vtd_fault_clear_log(u);
	}
}

/* The @i'th edu device, behind a VT-d unit, or skip. */
static struct dma_engine *edu_or_skip(unsigned i)
{
	struct dma_engine *e;

	if (vtd_nr_units() == 0)
		test_skip("no VT-d unit");
	e = dma_find("edu", i);
	if (!e)
		test_skip("no edu device %u on this machine", i);
	if (!vtd_unit_for_device(e->pci->seg, e->pci->bus, e->pci->devfn))
		test_skip("no VT-d unit serves %s", e->name);
	return e;
}

static struct vtd_unit *unit_of(struct dma_engine *e)
{
	return vtd_unit_for_device(e->pci->seg, e->pci->bus, e->pci->devfn);
}

/* A VM with @policy and edu0 assigned with @flags. */
static void begin(enum wbinvd_policy policy, unsigned flags)
{
	struct dma_engine *e = edu_or_skip(0);

	memset(&fx, 0, sizeof(fx));
	test_defer(fix_teardown, NULL);
	if (!kvm_fix_begin(&fx.kf, policy))
		ASSERT(false);
	ASSERT_OK(assign_device(&fx.dev, &fx.kf.vm, e, GUEST_BAR_GPA, flags));
	vtd_fault_drain(fx.dev.unit);
	vtd_fault_clear_log(fx.dev.unit);
}

static u8 *gram(struct vm *vm, gpa_t gpa, u64 len)
{
	u8 *p = gmem_hva(&vm->mem, gpa, len);

	ASSERT(p != NULL);
	return p;
}

static void fill_guards(struct vm *vm)
{
	memset(gram(vm, GUARD_LO, GUARD_HI - GUARD_LO), CANARY,
	       GUARD_HI - GUARD_LO);
}

/* Every byte from GUARD_LO to GUARD_HI is canary except [gpa, gpa+len)
 * (and a second range), which holds @pat. */
static bool guards_intact(struct vm *vm, gpa_t gpa, u8 pat, gpa_t gpa2, u8 pat2)
{
	bool ok = true;

	for (gpa_t a = GUARD_LO; a < GUARD_HI; a++) {
		u8 want = (a >= gpa && a < gpa + DMA_LEN)     ? pat
			  : (a >= gpa2 && a < gpa2 + DMA_LEN) ? pat2
							      : CANARY;
		u8 got = *gram(vm, a, 1);

		if (got != want) {
			test_fail("guest RAM 0x%lx: 0x%x, expected 0x%x", a,
				  got, want);
			ok = false;
			break;
		}
	}
	return ok;
}

/* Every DMA the guest ran completed, every check found its bytes. */
static bool guest_reports_ok(const struct vcpu *v, unsigned dmas,
			     unsigned checks)
{
	unsigned nd = 0, nc = 0;

	for (unsigned i = 0; i < v->nr_reports; i++) {
		const struct vcpu_report *r = &v->reports[i];

		if (r->code == GREP_DMA && EXPECT_EQ(r->a, 0))
			nd++;
		if (r->code == GREP_CHECK && EXPECT_EQ(r->a, 0) &&
		    EXPECT_EQ(r->b, 0xffffffff))
			nc++;
	}
	return EXPECT_EQ(nd, dmas) && EXPECT_EQ(nc, checks);
}

static bool expect_faults(struct vtd_unit *u, unsigned n, unsigned reason,
			  u16 sid, iova_t addr)
{
	struct vtd_fault flt[4];
	unsigned got;

	vtd_fault_drain(u);
	got = vtd_fault_take(u, flt, 4);
	for (unsigned i = 0; i < got; i++)
		test_diag("fault reason 0x%x (%s) sid 0x%x addr 0x%lx",
			  flt[i].reason, vtd_fault_reason_name(flt[i].reason),
			  flt[i].sid, flt[i].addr);
	if (!EXPECT_EQ(got, n) || !n)
		return got == n;
	return EXPECT_EQ(flt[0].reason, reason) && EXPECT_EQ(flt[0].sid, sid) &&
	       EXPECT_EQ(flt[0].addr, ALIGN_DOWN(addr, PAGE_SIZE));
}

#define STEP(o, a, l, h)                                    \
	{                                                   \
		.op = (o), .arg = (a), .lo = (l), .hi = (h) \
	}
/* Stage @pat from the source into the device, DMA it back to @dst, check. */
#define ROUND_TRIP(pat, dst)                                  \
	STEP(GOP_FILL, pat, GUEST_DMA_SRC_GPA, DMA_LEN),      \
	    STEP(GOP_EDU_DMA, 0, GUEST_DMA_SRC_GPA, DMA_LEN), \
	    STEP(GOP_EDU_DMA, 1, dst, DMA_LEN),               \
	    STEP(GOP_CHECK, pat, dst, DMA_LEN)

TEST(assigned, dma_lands_in_guest_ram)
{
	const struct guest_step s[] = { ROUND_TRIP(0x3c, GUEST_DMA_DST_GPA) };

	begin(WBINVD_AUTO, 0);
	/* The coherency answer is the hardware's: enforced iff SC. */
	EXPECT_EQ(vtd_domain_enforces_snoop(&fx.dev.dom),
		  !!(fx.dev.unit->ecap & VTD_ECAP_SC));
	EXPECT_EQ(vm_has_noncoherent_dma(&fx.kf.vm),
		  !(fx.dev.unit->ecap & VTD_ECAP_SC));
	fill_guards(&fx.kf.vm);
	ASSERT(kvm_run_script(&fx.kf, s, ARRAY_SIZE(s)));
	guest_reports_ok(fx.kf.v, 2, 1);
	EXPECT_BYTES(gram(&fx.kf.vm, GUEST_DMA_SRC_GPA, DMA_LEN), 0x3c,
		     DMA_LEN);
	guards_intact(&fx.kf.vm, GUEST_DMA_DST_GPA, 0x3c, 0, 0);
	expect_faults(fx.dev.unit, 0, 0, 0, 0);
}

/* The BAR's leaves: EPT memory type UC without IPAT, NPT PCD|PWT. */
static void expect_bar_uncached(struct vm *vm, hpa_t hpa)
{
	struct pt_walk w;

	ASSERT_OK(pt_lookup(&vm->mem.pt, GUEST_BAR_GPA, &w));
	EXPECT_EQ(w.pa, hpa);
	if (vm->mem.fmt->memtype) {
		EXPECT_EQ(FIELD_GET(vm->mem.fmt->memtype, w.pte), GMEM_MT_UC);
		EXPECT_EQ(w.pte & vm->mem.fmt->ipat, 0);
	} else {
		EXPECT_EQ(w.pte & (GMEM_NPT_PCD | GMEM_NPT_PWT),
			  GMEM_NPT_PCD | GMEM_NPT_PWT);
	}
	EXPECT_EQ(w.prot & PT_EXEC, 0);
}

TEST(assigned, detach_leaves_no_mapping_behind)
{
	const struct guest_step touch[] = { STEP(GOP_TOUCH, GUEST_BAR_GPA, 0,
						 0) };
	struct pci_dev *pci;
	struct pt_walk w;
	enum vcpu_stop stop;

	begin(WBINVD_AUTO, 0);
	pci = fx.dev.eng->pci;
	expect_bar_uncached(&fx.kf.vm, fx.dev.bar_hpa);
	EXPECT_NE(vtd_ctx_entry(fx.dev.unit, pci->bus, pci->devfn)->lo &
		      VTD_CTX_LO_P,
		  0);
	ASSERT_OK(assign_detach(&fx.dev));
	EXPECT_EQ(pt_lookup(&fx.kf.vm.mem.pt, GUEST_BAR_GPA, &w), -ENOENT);
	EXPECT_EQ(vtd_ctx_entry(fx.dev.unit, pci->bus, pci->devfn)->lo &
		      VTD_CTX_LO_P,
		  0);
	EXPECT_EQ(fx.kf.vm.mem.nr_mmio, 0);
	EXPECT_FALSE(vm_has_noncoherent_dma(&fx.kf.vm));
	/* The guest's touch of the BAR is a nested page fault now... */
	ASSERT_OK(vm_load_script(&fx.kf.vm, touch, ARRAY_SIZE(touch)));
	ASSERT_OK(kvm_run(&fx.kf, &stop));
	EXPECT_EQ(stop, VCPU_STOP_NPF);
	EXPECT_EQ(fx.kf.v->last_exit.gpa, GUEST_BAR_GPA);
	/* ...and the device's DMA to guest RAM finds no context entry. */
	EXPECT_EQ(dma_write(fx.dev.eng, 0, GUEST_DMA_DST_GPA, 64), 0);
	expect_faults(fx.dev.unit, 1, 0x2, fx.dev.eng->sid, GUEST_DMA_DST_GPA);
}

/* Device memory to map: the first memory BAR of any PCI device, else
 * (Bochs has no PCI device with one) the local APIC's page. The guest
 * never touches it. */
static hpa_t any_device_memory(void)
{
	struct pci_dev *devs;
	unsigned n = pci_devices(&devs);

	for (unsigned i = 0; i < n; i++)
		for (unsigned b = 0; b < 6; b++)
			if (!devs[i].bar[b].io &&
			    devs[i].bar[b].size >= PAGE_SIZE)
				return devs[i].bar[b].base;
	return 0xfee00000;
}

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
TEST(assigned, bar_stays_uncached_while_ram_memtype_follows_coherency)
{
	const struct guest_step s[] = { STEP(GOP_HCALL, 1, 0, 0) };
	hpa_t bar = any_device_memory();
	struct vtd_domain *n;
	struct vm *vm = &fx.kf.vm;
	u64 ipat;

	memset(&fx, 0, sizeof(fx));
	test_defer(fix_teardown, NULL);
	if (!kvm_fix_begin(&fx.kf, WBINVD_AUTO))
		ASSERT(false);
	ipat = vm->mem.fmt->ipat;
	ASSERT_OK(gmem_map_mmio(&vm->mem, GUEST_BAR_GPA, bar, PAGE_SIZE));
	ASSERT(kvm_run_script(&fx.kf, s, ARRAY_SIZE(s)));
	expect_bar_uncached(vm, bar);
	EXPECT_EQ(ram_leaf(vm) & ipat, ipat); /* coherent: IPAT (EPT) */
	n = kvm_dom_new(&fx.kf, false);
	ASSERT(n != NULL);
	ASSERT_OK(vm_attach_domain(vm, n));
	ASSERT(kvm_run_script(&fx.kf, s, ARRAY_SIZE(s)));
	expect_bar_uncached(vm, bar);
	EXPECT_EQ(ram_leaf(vm) & ipat, 0); /* the guest's PAT honoured */
	ASSERT_OK(vm_detach_domain(vm, n));
	ASSERT(kvm_run_script(&fx.kf, s, ARRAY_SIZE(s)));
	expect_bar_uncached(vm, bar);
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
	u32 pde = *(u32 *)gram(vm, GUEST_PD_GPA + (lin >> 22) * 4, 4);
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
static void expect_access_types(struct vm *vm, const char *when, bool nc)
{
	const struct vcpu_report *r = vcpu_report_find(fx.kf.v, GREP_PAT);
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

TEST(assigned, guest_pat_honoured_only_while_noncoherent)
{
	const struct guest_step s[] = {
		STEP(GOP_PAGING, 0, 0, 0),
		STEP(GOP_RDPAT, 0, 0, 0),
		STEP(GOP_TOUCH, GUEST_DMA_SRC_GPA, 0, 0),
		STEP(GOP_TOUCH, GUEST_ALIAS_WC + GUEST_DMA_SRC_GPA, 0, 0),
		STEP(GOP_TOUCH, GUEST_ALIAS_UC + GUEST_DMA_SRC_GPA, 0, 0),
	};
	struct vm *vm = &fx.kf.vm;
	struct vtd_domain *n;
	unsigned touches = 0;

	memset(&fx, 0, sizeof(fx));
	test_defer(fix_teardown, NULL);
	if (!kvm_fix_begin(&fx.kf, WBINVD_AUTO))
		ASSERT(false);
	if (vm->ops->vendor != VCPU_VMX)
		test_skip("EPT memory types are VMX's (this is %s)",
			  vm->ops->name);
	ASSERT_OK(gmem_map_mmio(&vm->mem, GUEST_BAR_GPA, any_device_memory(),
				PAGE_SIZE));
	*(u32 *)gram(vm, GUEST_DMA_SRC_GPA, 4) = 0x5eed1e55;
	ASSERT(kvm_run_script(&fx.kf, s, ARRAY_SIZE(s)));
	for (unsigned i = 0; i < fx.kf.v->nr_reports; i++)
		if (fx.kf.v->reports[i].code == GREP_TOUCH &&
		    EXPECT_EQ(fx.kf.v->reports[i].a, 0x5eed1e55))
			touches++;
	EXPECT_EQ(touches, 3);
	expect_access_types(vm, "coherent", false);
	n = kvm_dom_new(&fx.kf, false);
	ASSERT(n != NULL);
	ASSERT_OK(vm_attach_domain(vm, n));
	ASSERT(kvm_run_script(&fx.kf, s, ARRAY_SIZE(s)));
	expect_access_types(vm, "non-coherent", true);
}

/* With paging on, the guest drives the device through its BAR's PDE
 * (PCD|PWT) and its DMA still lands by guest-physical address. */
TEST(assigned, dma_works_with_guest_paging_on)
{
	const struct guest_step s[] = {
		STEP(GOP_PAGING, 0, 0, 0),
		ROUND_TRIP(0x6e, GUEST_DMA_DST_GPA),
	};

	begin(WBINVD_AUTO, 0);
	fill_guards(&fx.kf.vm);
	ASSERT(kvm_run_script(&fx.kf, s, ARRAY_SIZE(s)));
	guest_reports_ok(fx.kf.v, 2, 1);
	guards_intact(&fx.kf.vm, GUEST_DMA_DST_GPA, 0x6e, 0, 0);
	expect_faults(fx.dev.unit, 0, 0, 0, 0);
}

/* The guest aims its DMA at a host page's physical address, which its
 * domain does not map (guest RAM is GUEST_RAM_SIZE bytes at IOVA 0). */
static gpa_t host_page_target(void)
{
	fx.host_page = page_alloc();
	ASSERT(fx.host_page != NULL);
	memset(fx.host_page, SECRET, PAGE_SIZE);
	hpa_t pa = virt_to_phys(fx.host_page);
	ASSERT(EXPECT_GE(pa, GUEST_RAM_SIZE) && EXPECT_LT(pa, 1ULL << 32));
	return pa;
}

TEST(assigned, dma_read_outside_guest_ram_faults_6)
{
	begin(WBINVD_AUTO, 0);
	gpa_t t = host_page_target();
	const struct guest_step s[] = {
		STEP(GOP_EDU_DMA, 0, t, DMA_LEN),
		STEP(GOP_EDU_DMA, 1, GUEST_DMA_DST_GPA, DMA_LEN),
		STEP(GOP_CHECK, SECRET, GUEST_DMA_DST_GPA, DMA_LEN),
	};

	fill_guards(&fx.kf.vm);
	ASSERT(kvm_run_script(&fx.kf, s, ARRAY_SIZE(s)));
	expect_faults(fx.dev.unit, 1, 0x6, fx.dev.eng->sid, t);
	/* No host byte reached the guest through the device's buffer. */
	const struct vcpu_report *r = vcpu_report_find(fx.kf.v, GREP_CHECK);
	ASSERT(r != NULL);
	EXPECT_EQ(r->a, DMA_LEN);
	EXPECT_BYTES(fx.host_page, SECRET, PAGE_SIZE);
}

TEST(assigned, dma_write_outside_guest_ram_faults_5)
{
	begin(WBINVD_AUTO, 0);
	gpa_t t = host_page_target();
	const struct guest_step s[] = {
		STEP(GOP_FILL, 0x77, GUEST_DMA_SRC_GPA, DMA_LEN),
		STEP(GOP_EDU_DMA, 0, GUEST_DMA_SRC_GPA, DMA_LEN),
		STEP(GOP_EDU_DMA, 1, t, DMA_LEN),
	};

	ASSERT(kvm_run_script(&fx.kf, s, ARRAY_SIZE(s)));
	guest_reports_ok(fx.kf.v, 2, 0);
	expect_faults(fx.dev.unit, 1, 0x5, fx.dev.eng->sid, t);
	EXPECT_BYTES(fx.host_page, SECRET, PAGE_SIZE);
}

/* A second VM with edu1 aims its DMA at the host address of the first
 * VM's destination page: its domain maps only its own RAM. */
TEST(assigned, second_vm_cannot_reach_first_vms_memory)
{
	struct dma_engine *e1 = edu_or_skip(1);

	begin(WBINVD_AUTO, 0);
	ASSERT_OK(vm_create(&fx.vm2, WBINVD_AUTO));
	fx.vm2_up = true;
	ASSERT_OK(vm_add_vcpu(&fx.vm2, &fx.v2));
	ASSERT_OK(assign_device(&fx.dev2, &fx.vm2, e1, GUEST_BAR_GPA, 0));
	vtd_fault_drain(fx.dev2.unit);
	vtd_fault_clear_log(fx.dev2.unit);
	fill_guards(&fx.kf.vm);
	fill_guards(&fx.vm2);
	gpa_t victim = virt_to_phys(gram(&fx.kf.vm, GUEST_DMA_DST_GPA, 1));
	ASSERT(EXPECT_LT(victim, 1ULL << 32));
	const struct guest_step s[] = {
		ROUND_TRIP(0x99, GUEST_DMA_DST_GPA),
		STEP(GOP_EDU_DMA, 1, victim, DMA_LEN),
	};
	enum vcpu_stop stop;

	ASSERT_OK(vm_load_script(&fx.vm2, s, ARRAY_SIZE(s)));
	ASSERT_OK(vcpu_run(fx.v2, &stop));
	EXPECT_EQ(stop, VCPU_STOP_HALT);
	EXPECT_TRUE(fx.v2->done);
	guest_reports_ok(fx.v2, 3, 1);
	/* Its own GPA 0x12000 got the bytes; the first VM's did not. */
	guards_intact(&fx.vm2, GUEST_DMA_DST_GPA, 0x99, 0, 0);
	guards_intact(&fx.kf.vm, 0, 0, 0, 0);
	expect_faults(fx.dev2.unit, 1, 0x5, e1->sid, victim);
}

TEST(assigned, strict_refuses_noncoherent_device_after_coherent_run)
{
	const struct guest_step s[] = { STEP(GOP_WBINVD, 1, 0, 0) };
	struct dma_engine *e = edu_or_skip(0);
	struct pci_dev *pci = e->pci;
	struct pt_walk w;

	memset(&fx, 0, sizeof(fx));
	test_defer(fix_teardown, NULL);
	if (!kvm_fix_begin(&fx.kf, WBINVD_STRICT))
		ASSERT(false);
	ASSERT(kvm_run_script(&fx.kf, s, ARRAY_SIZE(s))); /* no domain */
	EXPECT_EQ(assign_device(&fx.dev, &fx.kf.vm, e, GUEST_BAR_GPA,
				ASSIGN_NONCOHERENT),
		  -EPERM);
	test_diag("%s", fx.kf.vm.err);
	EXPECT_FALSE(fx.dev.live);
	EXPECT_EQ(vtd_ctx_entry(unit_of(e), pci->bus, pci->devfn)->lo &
		      VTD_CTX_LO_P,
		  0);
	EXPECT_EQ(pt_lookup(&fx.kf.vm.mem.pt, GUEST_BAR_GPA, &w), -ENOENT);
	EXPECT_FALSE(vm_has_noncoherent_dma(&fx.kf.vm));
}

/* The policy matrix with a device assigned and its DMA running: for each
 * policy and each cell, a phase is a round trip of DMA then N_WBINVD
 * WBINVDs, held to what DESIGN.md says (the oracle of kvm_wbinvd.c: the
 * intercept is on under kvm, else only while every domain is coherent;
 * an exit flushes only while some domain is not). */
enum cell { COHERENT, NONCOHERENT, DETACHED, UPGRADED };

static const char *const cell_names[] = { "coherent-device",
					  "noncoherent-device", "detached",
					  "upgraded" };

static void wbinvd_phase(enum cell c, const char *phase,
			 const struct guest_step *s, unsigned nr, unsigned dmas,
			 unsigned checks)
{
	struct vcpu *v = fx.kf.v;
	enum wbinvd_policy p = fx.kf.vm.coh.policy;
	bool nc = vm_has_noncoherent_dma(&fx.kf.vm);
	bool trap = p == WBINVD_KVM || !nc;
	u64 exits = trap ? N_WBINVD : 0, flushes = trap && nc ? N_WBINVD : 0;

	if (!kvm_run_script(&fx.kf, s, nr))
		return;
	test_diag("%s policy=%s cell=%s phase=%s snoop=%d noncoherent=%d: "
		  "wbinvd_exits=%lu flushes=%lu intercept=%d dmas=%u "
		  "(expected %lu/%lu/%d)",
		  v->ops->name, kvmc_policy_name(p), cell_names[c], phase,
		  fx.dev.live && vtd_domain_enforces_snoop(&fx.dev.dom), nc,
		  v->stats.wbinvd_exits, v->stats.flushes,
		  v->ops->wbinvd_exiting(v), dmas, exits, flushes, trap);
	EXPECT_EQ(v->stats.wbinvd_exits, exits);
	EXPECT_EQ(v->stats.flushes, flushes);
	EXPECT_EQ(v->ops->wbinvd_exiting(v), trap);
	guest_reports_ok(v, dmas, checks);
}

static void run_cell(enum wbinvd_policy p, enum cell c)
{
	const struct guest_step dma[] = {
		ROUND_TRIP(0xa1, GUEST_DMA_DST_GPA),
		STEP(GOP_WBINVD, N_WBINVD, 0, 0),
	};
	/* Upgraded: what the device held before the upgrade comes back
	 * after it, and a new round trip works. */
	const struct guest_step after[] = {
		STEP(GOP_EDU_DMA, 1, DST2_GPA, DMA_LEN),
		STEP(GOP_CHECK, 0xa1, DST2_GPA, DMA_LEN),
		ROUND_TRIP(0xb2, GUEST_DMA_DST_GPA),
		STEP(GOP_WBINVD, N_WBINVD, 0, 0),
	};
	const struct guest_step wbinvd[] = { STEP(GOP_WBINVD, N_WBINVD, 0, 0) };

	bool sc = unit_of(edu_or_skip(0))->ecap & VTD_ECAP_SC;

	if (c == COHERENT && !sc)
		test_skip("unit has ECAP.SC=0: no domain can enforce snooping");
	if (c == UPGRADED && !sc)
		test_skip(
		    "unit has ECAP.SC=0: no upgrade to enforced snooping");
	begin(p, c == COHERENT ? 0 : ASSIGN_NONCOHERENT);
	EXPECT_EQ(vtd_domain_enforces_snoop(&fx.dev.dom), c == COHERENT);
	EXPECT_EQ(vm_has_noncoherent_dma(&fx.kf.vm), c != COHERENT);
	fill_guards(&fx.kf.vm);
	wbinvd_phase(c, "assigned", dma, ARRAY_SIZE(dma), 2, 1);
	guards_intact(&fx.kf.vm, GUEST_DMA_DST_GPA, 0xa1, 0, 0);
	if (c == DETACHED) {
		ASSERT_OK(assign_detach(&fx.dev));
		EXPECT_FALSE(vm_has_noncoherent_dma(&fx.kf.vm));
		wbinvd_phase(c, "detached", wbinvd, ARRAY_SIZE(wbinvd), 0, 0);
	}
	if (c == UPGRADED) {
		EXPECT_GE(assign_upgrade(&fx.dev), 1);
		EXPECT_FALSE(vm_has_noncoherent_dma(&fx.kf.vm));
		wbinvd_phase(c, "upgraded", after, ARRAY_SIZE(after), 3, 2);
		guards_intact(&fx.kf.vm, GUEST_DMA_DST_GPA, 0xb2, DST2_GPA,
			      0xa1);
	}
	expect_faults(fx.dev.unit, 0, 0, 0, 0);
}

#define CELL(pol, P, cell, C)                 \
	TEST(assigned, wbinvd_##pol##_##cell) \
	{                                     \
		run_cell(P, C);               \
	}

CELL(auto, WBINVD_AUTO, coherent_device, COHERENT)
CELL(auto, WBINVD_AUTO, noncoherent_device, NONCOHERENT)
CELL(auto, WBINVD_AUTO, detached, DETACHED)
CELL(auto, WBINVD_AUTO, upgraded, UPGRADED)
CELL(kvm, WBINVD_KVM, coherent_device, COHERENT)
CELL(kvm, WBINVD_KVM, noncoherent_device, NONCOHERENT)
CELL(kvm, WBINVD_KVM, detached, DETACHED)
CELL(kvm, WBINVD_KVM, upgraded, UPGRADED)
CELL(strict, WBINVD_STRICT, coherent_device, COHERENT)
CELL(strict, WBINVD_STRICT, noncoherent_device, NONCOHERENT)
CELL(strict, WBINVD_STRICT, detached, DETACHED)
CELL(strict, WBINVD_STRICT, upgraded, UPGRADED)
