/* libFuzzer harness for the DMAR parser (make fuzz).
 *
 * Each input is a DMAR table, parsed from a heap copy of exactly its size
 * so ASan sees any read past the end. Random mutations almost never keep
 * the checksum right, which would stop every run at the header; so unless
 * the input's size is a multiple of 16 the harness first makes Length the
 * input's size and repairs the checksum (seeds signed "XMAR", the raw
 * tables of tests/tables, are renamed "DMAR" then too). Inputs of other
 * sizes keep fuzzing the header checks as they are.
 *
 * A table that parses is resolved against a PCI config space made of the
 * input's own bytes (so bridges, absent functions and odd bus numbers all
 * occur), and units are looked up for every scope's device and for a few
 * more, and checked against a memory map made of the input's bytes
 * (dmar_check_platform). Broken invariants abort, which libFuzzer reports
 * as a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/vtd/dmar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_cfg {
	const u8 *data;
	size_t size;
};

static u32 fuzz_cfg_read(void *ctx, u16 seg, u8 bus, u8 dev, u8 fn, u16 off)
{
	const struct fuzz_cfg *c = ctx;
	size_t i = (size_t)seg * 7919 + bus * 263u + dev * 8u + fn + off;
	u32 v = 0;

	if (off & 3)
		abort(); /* dmar_cfg_read_fn reads aligned dwords */
	for (unsigned k = 0; k < 4; k++)
		v |= (u32)c->data[(i + k) % c->size] << (8 * k);
	return v;
}

static void fuzz_repair(u8 *t, size_t size)
{
	u8 sum = 0;

	if (size < DMAR_HDR_SIZE || size % 16 == 0)
		return;
	if (!memcmp(t, "XMAR", 4))
		memcpy(t, "DMAR", 4);
	for (unsigned k = 0; k < 4; k++)
		t[DMAR_HDR_LENGTH + k] = (u8)((u32)size >> (8 * k));
	t[DMAR_HDR_CHECKSUM] = 0;
	for (size_t i = 0; i < size; i++)
		sum += t[i];
	t[DMAR_HDR_CHECKSUM] = (u8)-sum;
}

static void fuzz_check_unit(const struct dmar_info *info,
			    const struct dmar_unit *u)
{
	if (u && (u < info->units || u >= info->units + info->nr_units))
		abort();
}

/* What a successful parse promises its caller. */
static void fuzz_check_info(const struct dmar_info *info, size_t size)
{
	if (!info->nr_units || info->nr_units > DMAR_MAX_UNITS ||
	    info->nr_scopes > DMAR_MAX_SCOPES || info->length > size)
		abort();
	for (u32 i = 0; i < info->nr_units; i++) {
		const struct dmar_unit *u = &info->units[i];

		if (!u->reg_base || u->reg_base & 0xfff ||
		    u->scope_first + u->nr_scopes > info->nr_scopes)
			abort();
	}
	for (u32 i = 0; i < info->nr_rmrrs; i++)
		if (info->rmrrs[i].limit < info->rmrrs[i].base)
			abort();
	for (u32 i = 0; i < info->nr_scopes; i++)
		if (!info->scopes[i].path_len ||
		    info->scopes[i].path_len > DMAR_MAX_PATH)
			abort();
	for (u32 i = 0; i < info->nr_andds; i++)
		if (!info->andds[i].name[0])
			abort();
}

static void fuzz_resolve(struct dmar_info *info, const u8 *data, size_t size)
{
	struct fuzz_cfg cfg = { data, size };
	int n = dmar_resolve(info, fuzz_cfg_read, &cfg);

	if (n < 0 || (u32)n > info->nr_scopes)
		abort();
	for (u32 i = 0; i < info->nr_scopes; i++) {
		const struct dmar_scope *s = &info->scopes[i];

		if (!dmar_strerror(s->status))
			abort();
		fuzz_check_unit(info, dmar_unit_for_bdf(info, s->segment,
							s->bus, s->devfn));
		fuzz_check_unit(
		    info, dmar_unit_for_bdf(info, s->segment, s->sub_bus, 0));
	}
	for (size_t i = 0; i + 3 < size && i < 64; i += 4)
		fuzz_check_unit(
		    info, dmar_unit_for_bdf(info, data[i] | data[i + 1] << 8,
					    data[i + 2], data[i + 3]));
}

/* The platform checks over a memory map made of the input's bytes: the
 * defects counted are the statuses set, each a known error. */
static void fuzz_platform(struct dmar_info *info, const u8 *data, size_t size)
{
	struct dmar_mem_range map[4];
	struct dmar_platform p = { map, 4, 0, 0, data[0] & 63 };
	int defects = 0, n;

	for (unsigned k = 0; k < 4; k++) {
		u64 v = 0;
		for (unsigned b = 0; b < 8; b++)
			v = v << 8 | data[(k * 8 + b) % size];
		map[k] = (struct dmar_mem_range){ v & ~0xfffULL,
						  (v >> 20) & ~0xfffULL,
						  v & 1 };
	}
	p.kernel_start = map[0].base;
	p.kernel_end = map[0].base + (map[1].len & 0xffffff);
	n = dmar_check_platform(info, &p);
	defects += !!info->haw_status;
	for (u32 i = 0; i < info->nr_units; i++)
		defects += !!info->units[i].status;
	for (u32 i = 0; i < info->nr_rmrrs; i++)
		defects += !!info->rmrrs[i].status;
	if (n != defects || !dmar_strerror(info->haw_status))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dmar_info info;
	u8 *t = malloc(size ? size : 1);
	int err;

	if (!t)
		return 0;
	memcpy(t, data, size);
	fuzz_repair(t, size);
	err = dmar_parse(t, size, &info);
	if (!dmar_strerror(err) || err > 0)
		abort();
	for (u32 i = 0; i < info.nr_warnings && i < DMAR_MAX_WARNINGS; i++)
		if (!dmar_warning_str(info.warnings[i].kind))
			abort();
	if (!err) {
		fuzz_check_info(&info, size);
		if (size) {
			fuzz_resolve(&info, data, size);
			fuzz_platform(&info, data, size);
		}
	} else if (info.err_offset > size) {
		abort();
	}
	free(t);
	return 0;
}
