/* Guest memory and its nested page tables. */
#include "kvmlike/gmem.h"
#include "arch/x86/mm.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Leaf attributes that make a mapping uncached (see gmem_map_mmio). */
static int gmem_set_uc(struct gmem *g, gpa_t gpa, u64 size)
{
	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		struct pt_walk w;
		int err = pt_lookup(&g->pt, gpa + off, &w);

		if (err)
			return err;
		if (g->fmt->memtype)
			*w.ptep = (*w.ptep &
				   ~(g->fmt->memtype | g->fmt->ipat)) |
				  FIELD_PREP(g->fmt->memtype, GMEM_MT_UC);
		else
			*w.ptep |= GMEM_NPT_PWT | GMEM_NPT_PCD;
	}
	return 0;
}

static int gmem_map_mmio_leaves(struct gmem *g, unsigned i,
				struct pt_gather *gather)
{
	int err = pt_map(&g->pt, g->mmio[i].gpa, g->mmio[i].hpa,
			 g->mmio[i].size, PT_READ | PT_WRITE, gather);

	return err ? err : gmem_set_uc(g, g->mmio[i].gpa, g->mmio[i].size);
}

/* 4-level tables, 48-bit guest-physical addresses, 4K and 2M leaves. */
static int gmem_build(struct gmem *g, u8 memtype, bool ipat)
{
	struct pt_config cfg = {
		.levels = 4,
		.aw = 48,
		.page_sizes = PAGE_SIZE | SZ_2M,
		.coherent = true,
		.memtype = g->fmt->memtype ? memtype : 0,
		.ipat = g->fmt->ipat ? ipat : false,
	};
	struct pt_gather gather;
	int err;

	err = pt_init(&g->pt, g->fmt, &cfg, &pt_kernel_ops, NULL);
	if (err)
		return err;
	pt_gather_init(&gather);
	err = pt_map(&g->pt, 0, virt_to_phys(g->ram), g->size,
		     PT_READ | PT_WRITE | (g->fmt->exec ? PT_EXEC : 0),
		     &gather);
	for (unsigned i = 0; !err && i < g->nr_extra; i++)
		err = pt_map(&g->pt, g->extra[i].gpa,
			     virt_to_phys(g->extra[i].page), PAGE_SIZE,
			     PT_READ | PT_WRITE | (g->fmt->exec ? PT_EXEC : 0),
			     &gather);
	for (unsigned i = 0; !err && i < g->nr_mmio; i++)
		err = gmem_map_mmio_leaves(g, i, &gather);
	pt_gather_release(&g->pt, &gather);
	if (err)
		pt_destroy(&g->pt);
	return err;
}

/* RAM := zeros, then @img. The pages @img lies in are stored only where
 * they differ (memcpy_changed, memset_changed): they are usually the last
 * guest's code pages again, holding the same stub, and under an emulator
 * a store into a page that holds translated code takes a slow path and
 * may throw the translation away (QEMU: notdirty_write). The other pages
 * are cleared with plain stores: testing them first cost more than twice
 * the instructions (5.4M of the qemu lane's 31M, for 93 guests). */
static void gmem_fill(struct gmem *g, const struct gmem_image *img)
{
	u64 at = img ? img->gpa : g->size, len = img ? img->len : 0;
	u64 lo = ALIGN_DOWN(at, PAGE_SIZE);
	u64 hi = MIN(ALIGN_UP(at + len, PAGE_SIZE), g->size);

	memset(g->ram, 0, lo);
	memset_changed(g->ram + lo, 0, at - lo);
	if (len)
		memcpy_changed(g->ram + at, img->data, len);
	memset_changed(g->ram + at + len, 0, hi - at - len);
	memset(g->ram + hi, 0, g->size - hi);
}

int gmem_init(struct gmem *g, const struct pt_format *fmt, u64 size, u8 memtype,
	      bool ipat, const struct gmem_image *img)
{
	int err;

	memset(g, 0, sizeof(*g));
	g->fmt = fmt;
	g->size = ALIGN_UP(size, PAGE_SIZE);
	if (img && (img->gpa > g->size || img->len > g->size - img->gpa))
		return -EINVAL;
	g->ram = page_alloc_contig(g->size / PAGE_SIZE, PAGE_SIZE);
	if (!g->ram)
		return -ENOMEM;
	gmem_fill(g, img);
	err = gmem_build(g, memtype, ipat);
	if (err) {
		gmem_destroy(g);
		return err;
	}
	return 0;
}

void gmem_destroy(struct gmem *g)
{
	pt_destroy(&g->pt);
	if (g->ram)
		page_free_contig(g->ram, g->size / PAGE_SIZE);
	for (unsigned i = 0; i < g->nr_extra; i++)
		page_free(g->extra[i].page);
	g->ram = NULL;
	g->nr_extra = 0;
	g->nr_mmio = 0;
}

/* The old tables are freed at once: the only CPU that could walk them is
 * this one, in the host, and its next entry loads the new root and
 * invalidates (INVEPT) before the guest runs again. */
int gmem_set_memtype(struct gmem *g, u8 memtype, bool ipat)
{
	struct pt old = g->pt;
	int err = gmem_build(g, memtype, ipat);

	if (err) {
		g->pt = old;
		return err;
	}
	pt_destroy(&old);
	g->rebuilds++;
	return 0;
}

int gmem_map_page(struct gmem *g, gpa_t gpa)
{
	struct pt_gather gather;
	u8 *page;
	int err;

	if (!IS_ALIGNED(gpa, PAGE_SIZE) || gpa < g->size)
		return -EINVAL;
	if (g->nr_extra == GMEM_MAX_EXTRA)
		return -ENOSPC;
	page = page_alloc();
	if (!page)
		return -ENOMEM;
	pt_gather_init(&gather);
	err = pt_map(&g->pt, gpa, virt_to_phys(page), PAGE_SIZE,
		     PT_READ | PT_WRITE | (g->fmt->exec ? PT_EXEC : 0),
		     &gather);
	pt_gather_release(&g->pt, &gather);
	if (err) {
		page_free(page);
		return err;
	}
	g->extra[g->nr_extra].gpa = gpa;
	g->extra[g->nr_extra++].page = page;
	return 0;
}

int gmem_map_mmio(struct gmem *g, gpa_t gpa, hpa_t hpa, u64 size)
{
	struct pt_gather gather;
	unsigned i = g->nr_mmio;
	int err;

	if (!IS_ALIGNED(gpa | hpa | size, PAGE_SIZE) || !size || gpa < g->size)
		return -EINVAL;
	if (i == GMEM_MAX_MMIO)
		return -ENOSPC;
	g->mmio[i].gpa = gpa;
	g->mmio[i].hpa = hpa;
	g->mmio[i].size = size;
	pt_gather_init(&gather);
	err = gmem_map_mmio_leaves(g, i, &gather);
	pt_gather_release(&g->pt, &gather);
	if (!err)
		g->nr_mmio++;
	return err;
}

int gmem_unmap_mmio(struct gmem *g, gpa_t gpa)
{
	struct pt_gather gather;

	for (unsigned i = 0; i < g->nr_mmio; i++) {
		if (g->mmio[i].gpa != gpa)
			continue;
		pt_gather_init(&gather);
		int err = pt_unmap(&g->pt, gpa, g->mmio[i].size, &gather);
		pt_gather_release(&g->pt, &gather);
		if (!err)
			g->mmio[i] = g->mmio[--g->nr_mmio];
		return err;
	}
	return -ENOENT;
}

void *gmem_hva(struct gmem *g, gpa_t gpa, u64 len)
{
	if (gpa < g->size && len <= g->size - gpa)
		return g->ram + gpa;
	for (unsigned i = 0; i < g->nr_extra; i++) {
		gpa_t base = g->extra[i].gpa;

		if (gpa >= base && gpa - base < PAGE_SIZE &&
		    len <= PAGE_SIZE - (gpa - base))
			return g->extra[i].page + (gpa - base);
	}
	return NULL;
}

hpa_t gmem_root(const struct gmem *g)
{
	return g->pt.root_pa;
}
