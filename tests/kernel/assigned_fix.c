/* The assigned suites' fixture. */
#include "tests/kernel/assigned_fix.h"
#include "arch/x86/mm.h"
#include "arch/x86/pci.h"
#include "iommu/vtd/alias.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/fault.h"
#include "iommu/vtd/vtd.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/vtd_fix.h"

static struct assigned_fix fixture;

static void afix_teardown(void *arg)
{
	struct assigned_fix *f = arg;
	struct vtd_unit *u = f->dev.unit;

	assign_detach(&f->dev2);
	if (f->vm2_up)
		vm_destroy(&f->vm2);
	f->vm2_up = false;
	assign_detach(&f->dev);
	kvm_fix_end(&f->kf);
	if (f->host_page)
		page_free(f->host_page);
	f->host_page = NULL;
	if (u) {
		vtd_fault_drain(u);
		vtd_fault_clear_log(u);
	}
}

struct assigned_fix *afix_vm(enum wbinvd_policy policy)
{
	struct assigned_fix *f = &fixture;

	memset(f, 0, sizeof(*f));
	test_defer(afix_teardown, f);
	if (!kvm_fix_begin(&f->kf, policy))
		ASSERT(false);
	return f;
}

struct assigned_fix *afix_begin(enum wbinvd_policy policy, unsigned flags)
{
	struct dma_engine *e = afix_edu(0);
	struct assigned_fix *f = afix_vm(policy);

	afix_assign(&f->dev, &f->kf.vm, e, flags);
	vtd_fault_drain(f->dev.unit);
	vtd_fault_clear_log(f->dev.unit);
	return f;
}

void afix_assign(struct assigned_dev *a, struct vm *vm, struct dma_engine *e,
		 unsigned flags)
{
	struct pci_dev *pci = e->pci;
	struct vtd_unit *u = vtd_unit_for_device(pci->seg, pci->bus,
						 pci->devfn);
	int err = assign_device(a, vm, e, GUEST_BAR_GPA, flags);

	if (err == -EPERM && u && !(u->ecap & VTD_ECAP_IR) &&
	    !assign_unsafe_interrupts_allowed())
		test_skip("%s", vm->err);
	ASSERT_OK(err);
}

void afix_need_remapping(const struct assigned_dev *a)
{
	if (!a->ir_unit)
		test_skip("unit cannot remap interrupts (ECAP.IR=0): assigned "
			  "under allow_unsafe_interrupts, the guest's messages "
			  "reach the host");
}

/* The @i'th edu device, behind a VT-d unit, or skip. */
struct dma_engine *afix_edu(unsigned i)
{
	struct dma_engine *e;

	if (vtd_nr_units() == 0)
		test_skip("no VT-d unit");
	e = dma_find("edu", i);
	if (!e)
		test_skip("no edu device %u on this machine", i);
	if (!afix_unit(e))
		fix_skip_untranslated(e->pci, e->name);
	return e;
}

struct vtd_unit *afix_unit(struct dma_engine *e)
{
	return vtd_dma_unit_for_device(e->pci->seg, e->pci->bus, e->pci->devfn);
}

u16 afix_sid(struct dma_engine *e)
{
	return vtd_dma_requester_id(e->pci);
}

u8 *afix_ram(struct vm *vm, gpa_t gpa, u64 len)
{
	u8 *p = gmem_hva(&vm->mem, gpa, len);

	ASSERT(p != NULL);
	return p;
}

void afix_fill_guards(struct vm *vm)
{
	memset(afix_ram(vm, AFIX_GUARD_LO, AFIX_GUARD_HI - AFIX_GUARD_LO),
	       AFIX_CANARY, AFIX_GUARD_HI - AFIX_GUARD_LO);
}

/* The byte @a should hold: @pat within AFIX_DMA_LEN of @gpa, else @pat2
 * within AFIX_DMA_LEN of @gpa2, else the canary. */
static u8 afix_want(gpa_t a, gpa_t gpa, u8 pat, gpa_t gpa2, u8 pat2)
{
	if (a >= gpa && a < gpa + AFIX_DMA_LEN)
		return pat;
	if (a >= gpa2 && a < gpa2 + AFIX_DMA_LEN)
		return pat2;
	return AFIX_CANARY;
}

/* The first of @gpa, @gpa2 and the ends of their AFIX_DMA_LEN bytes above
 * @a, or @end: where afix_want may change next. */
static gpa_t afix_next_edge(gpa_t a, gpa_t end, gpa_t gpa, gpa_t gpa2)
{
	const gpa_t edge[] = { gpa, gpa + AFIX_DMA_LEN, gpa2,
			       gpa2 + AFIX_DMA_LEN };

	for (unsigned i = 0; i < ARRAY_SIZE(edge); i++)
		if (edge[i] > a && edge[i] < end)
			end = edge[i];
	return end;
}

/* Every byte from AFIX_GUARD_LO to AFIX_GUARD_HI is canary except the
 * AFIX_DMA_LEN bytes at @gpa, which hold @pat, and those at @gpa2, which
 * hold @pat2 (afix_want): checked a stretch of one value at a time
 * (mem_run), the first byte that differs named. */
bool afix_guards_intact(struct vm *vm, gpa_t gpa, u8 pat, gpa_t gpa2, u8 pat2)
{
	const u8 *ram = afix_ram(vm, AFIX_GUARD_LO,
				 AFIX_GUARD_HI - AFIX_GUARD_LO);

	for (gpa_t a = AFIX_GUARD_LO; a < AFIX_GUARD_HI;) {
		gpa_t end = afix_next_edge(a, AFIX_GUARD_HI, gpa, gpa2);
		u8 want = afix_want(a, gpa, pat, gpa2, pat2);
		size_t same = mem_run(ram + (a - AFIX_GUARD_LO), want, end - a);

		if (same < end - a) {
			a += same;
			test_fail("guest RAM 0x%lx: 0x%x, expected 0x%x", a,
				  ram[a - AFIX_GUARD_LO], want);
			return false;
		}
		a = end;
	}
	return true;
}

/* Every DMA the guest ran completed, every check found its bytes. */
bool afix_reports_ok(const struct vcpu *v, unsigned dmas, unsigned checks)
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

bool afix_expect_faults(struct vtd_unit *u, unsigned n, unsigned reason,
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

/* The BAR's leaves: EPT memory type UC without IPAT, NPT PCD|PWT. */
void afix_expect_bar_uncached(struct vm *vm, hpa_t hpa)
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

/* Device memory to map: the first memory BAR of any PCI device, else
 * (Bochs has no PCI device with one) the local APIC's page. The guest
 * never touches it. */
hpa_t afix_device_memory(void)
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

/* The guest aims its DMA at a host page's physical address, which its
 * domain does not map (guest RAM is GUEST_RAM_SIZE bytes at IOVA 0). */
gpa_t afix_host_page_target(struct assigned_fix *f)
{
	f->host_page = page_alloc();
	ASSERT(f->host_page != NULL);
	memset(f->host_page, AFIX_SECRET, PAGE_SIZE);
	hpa_t pa = virt_to_phys(f->host_page);
	ASSERT(EXPECT_GE(pa, GUEST_RAM_SIZE) && EXPECT_LT(pa, 1ULL << 32));
	return pa;
}
