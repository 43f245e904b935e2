/* Context-cache and IOTLB invalidation, register-based (11.4.7, 11.4.8) or
 * queued (6.5.2). Queued whenever the unit has it (bring-up turns it on);
 * while it is on the registers are never used: QEMU ignores them then and
 * their busy bit never clears. From major version 6 there are no
 * invalidation registers at all. */
#include "iommu/vtd/unit.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/inval.h"
#include "arch/x86/console.h"
#include "arch/x86/mm.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/string.h"

#define IQ_PAGES_ORDER 0 /* QS: 2^0 pages = 256 descriptors */
#define IQ_LEN	       (256u << IQ_PAGES_ORDER)

static u32 iotlb_reg(const struct vtd_unit *u)
{
	return (u32)FIELD_GET(VTD_ECAP_IRO, u->ecap) * 16;
}

/* The actual granularity a register-based invalidation reports (CAIG,
 * IAIG): 0 means it was not performed, an error; a coarser one than asked
 * is allowed (11.4.7, 11.4.8) and counted. */
static int reg_inv_done(struct vtd_unit *u, enum vtd_gran asked, u8 done,
			u8 *out)
{
	*out = done;
	if (!done)
		return -EIO;
	if (done != asked)
		u->stats.coarser++;
	return 0;
}

static int reg_inv_context(struct vtd_unit *u, enum vtd_gran g, u16 did,
			   u16 sid)
{
	u64 cmd = VTD_CCMD_ICC | FIELD_PREP(VTD_CCMD_CIRG, g) |
		  FIELD_PREP(VTD_CCMD_DID, did) | FIELD_PREP(VTD_CCMD_SID, sid);
	/* Never write CCMD while a previous command is in flight. */
	int err = WAIT_FOR(!(vtd_read64(u, VTD_REG_CCMD) & VTD_CCMD_ICC),
			   VTD_TIMEOUT_US);

	if (err)
		return err;
	vtd_write64(u, VTD_REG_CCMD, cmd);
	err = WAIT_FOR(!((cmd = vtd_read64(u, VTD_REG_CCMD)) & VTD_CCMD_ICC),
		       VTD_TIMEOUT_US);
	if (err)
		return err;
	return reg_inv_done(u, g, (u8)FIELD_GET(VTD_CCMD_CAIG, cmd),
			    &u->cc_gran_done);
}

static int reg_inv_iotlb(struct vtd_unit *u, enum vtd_gran g, u16 did,
			 iova_t addr, unsigned am)
{
	u32 r = iotlb_reg(u);
	u64 cmd = VTD_IOTLB_IVT | FIELD_PREP(VTD_IOTLB_IIRG, g) |
		  FIELD_PREP(VTD_IOTLB_DID, did) | VTD_IOTLB_DR | VTD_IOTLB_DW;
	int err = WAIT_FOR(!(vtd_read64(u, r + VTD_IOTLB_REG) & VTD_IOTLB_IVT),
			   VTD_TIMEOUT_US);

	if (err)
		return err;
	if (g == VTD_GRAN_PAGE)
		vtd_write64(u, r + VTD_IOTLB_IVA,
			    (addr & VTD_IVA_ADDR) | FIELD_PREP(VTD_IVA_AM, am));
	vtd_write64(u, r + VTD_IOTLB_REG, cmd);
	err = WAIT_FOR(
	    !((cmd = vtd_read64(u, r + VTD_IOTLB_REG)) & VTD_IOTLB_IVT),
	    VTD_TIMEOUT_US);
	if (err)
		return err;
	return reg_inv_done(u, g, (u8)FIELD_GET(VTD_IOTLB_IAIG, cmd),
			    &u->iotlb_gran_done);
}

/* 128-bit slots a descriptor takes: 2 with IQA.DW (256-bit descriptors,
 * 6.5.2; scalable mode needs them), whose upper half is zero for every
 * descriptor this driver sends. IQH and IQT count 128-bit slots. */
static unsigned iq_slot(const struct vtd_unit *u)
{
	return u->iq_dw ? 2 : 1;
}

int vtd_qi_enable(struct vtd_unit *u)
{
	if (!(u->ecap & VTD_ECAP_QI))
		return -EOPNOTSUPP;
	/* A queue someone else enabled (firmware, another bring-up) is
	 * drained and turned off before ours replaces it. */
	if (vtd_read32(u, VTD_REG_GSTS) & VTD_GCMD_QIE) {
		int err = vtd_qi_disable(u);
		if (err)
			return err;
	}
	if (!u->iq) {
		u->iq = page_alloc_contig(1u << IQ_PAGES_ORDER, PAGE_SIZE);
		u->iq_status = page_alloc();
		if (!u->iq || !u->iq_status)
			return -ENOMEM;
		memset(u->iq, 0, PAGE_SIZE << IQ_PAGES_ORDER);
	}
	u->iq_len = IQ_LEN / iq_slot(u);
	u->iq_tail = 0;
	vtd_write64(u, VTD_REG_IQT, 0);
	vtd_write64(u, VTD_REG_IQA,
		    virt_to_phys(u->iq) | IQ_PAGES_ORDER |
			(u->iq_dw ? VTD_IQA_DW : 0));
	int err = vtd_gcmd(u, VTD_GCMD_QIE, true);
	if (!err)
		u->qi = true;
	return err;
}

/* A queue error stops the unit fetching (6.5.2.10). Report it, drop what
 * is queued (tail back to head) and clear the error so the unit goes on. */
static int qi_recover(struct vtd_unit *u, u32 fsts)
{
	u64 head = vtd_read64(u, VTD_REG_IQH);

	kprintf("# vtd%u: invalidation queue error: FSTS 0x%x IQH 0x%lx "
		"IQERCD 0x%lx\n",
		u->index, fsts, head, vtd_read64(u, VTD_REG_IQERCD));
	vtd_write64(u, VTD_REG_IQT, head);
	u->iq_tail = (unsigned)FIELD_GET(VTD_IQ_IDX, head) / iq_slot(u);
	vtd_write32(u, VTD_REG_FSTS,
		    fsts & (VTD_FSTS_IQE | VTD_FSTS_ITE | VTD_FSTS_ICE));
	return -EIO;
}

static void qi_push(struct vtd_unit *u, const struct vtd_entry128 *d)
{
	struct vtd_entry128 *slot = &u->iq[u->iq_tail * iq_slot(u)];

	slot[0] = *d;
	if (u->iq_dw)
		slot[1] = (struct vtd_entry128){ 0, 0 };
	vtd_flush_struct(u, slot, sizeof(*d) * iq_slot(u));
	u->iq_tail = (u->iq_tail + 1) % u->iq_len;
}

int vtd_qi_set_dw(struct vtd_unit *u, bool dw)
{
	if (dw && !(u->ecap & VTD_ECAP_SMTS))
		return -EOPNOTSUPP;
	if (u->qi && u->iq_dw == dw)
		return 0;
	u->iq_dw = dw;
	return vtd_qi_enable(u);
}

static void qi_tail_write(struct vtd_unit *u)
{
	vtd_write64(u, VTD_REG_IQT,
		    FIELD_PREP(VTD_IQ_IDX, u->iq_tail * iq_slot(u)));
}

int vtd_qi_post(struct vtd_unit *u, const struct vtd_entry128 *d)
{
	if (!u->qi)
		return -EINVAL;
	qi_push(u, d);
	qi_tail_write(u);
	return 0;
}

int vtd_qi_clear_error(struct vtd_unit *u)
{
	u32 fsts = vtd_read32(u, VTD_REG_FSTS);

	if (!(fsts & (VTD_FSTS_IQE | VTD_FSTS_ITE | VTD_FSTS_ICE)))
		return 0;
	return qi_recover(u, fsts);
}

int vtd_qi_submit(struct vtd_unit *u, const struct vtd_entry128 *d, unsigned n)
{
	u32 seq = ++u->iq_seq;
	/* Status write only: QEMU 7.2 aborts on a wait with SW and IF. */
	struct vtd_entry128 wait = {
		.lo = VTD_QI_WAIT | VTD_QI_WAIT_SW |
		      FIELD_PREP(VTD_QI_WAIT_SDATA, seq),
		.hi = virt_to_phys((const void *)u->iq_status),
	};

	if (!u->qi || n + 1 >= u->iq_len)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		qi_push(u, &d[i]);
	qi_push(u, &wait);
	u->stats.wait_desc++;
	qi_tail_write(u);
	u32 fsts = 0;
	int err = WAIT_FOR(*u->iq_status == seq ||
			       ((fsts = vtd_read32(u, VTD_REG_FSTS)) &
				(VTD_FSTS_IQE | VTD_FSTS_ITE)),
			   VTD_TIMEOUT_US);
	if (*u->iq_status == seq)
		return 0;
	if (fsts & (VTD_FSTS_IQE | VTD_FSTS_ITE))
		return qi_recover(u, fsts);
	kprintf("# vtd%u: invalidation wait timed out (IQH 0x%lx IQT 0x%lx)\n",
		u->index, vtd_read64(u, VTD_REG_IQH),
		vtd_read64(u, VTD_REG_IQT));
	return err;
}

int vtd_inv_context(struct vtd_unit *u, enum vtd_gran g, u16 did, u16 sid)
{
	u->stats.cc_inv++;
	if (!u->qi && !vtd_has_reg_inval(u))
		return -EOPNOTSUPP;
	if (!u->qi)
		return reg_inv_context(u, g, did, sid);
	u->cc_gran_done = (u8)g;
	struct vtd_entry128 d = {
		.lo = VTD_QI_CC | FIELD_PREP(VTD_QI_GRAN, g) |
		      FIELD_PREP(VTD_QI_CC_DID, did) |
		      FIELD_PREP(VTD_QI_CC_SID, sid),
	};
	return vtd_qi_submit(u, &d, 1);
}

int vtd_inv_iotlb(struct vtd_unit *u, enum vtd_gran g, u16 did, iova_t addr,
		  unsigned am)
{
	u->stats.iotlb_inv++;
	if (!u->qi && !vtd_has_reg_inval(u))
		return -EOPNOTSUPP;
	if (!u->qi)
		return reg_inv_iotlb(u, g, did, addr, am);
	u->iotlb_gran_done = (u8)g;
	struct vtd_entry128 d = {
		.lo = VTD_QI_IOTLB | FIELD_PREP(VTD_QI_GRAN, g) |
		      VTD_QI_IOTLB_DR | VTD_QI_IOTLB_DW |
		      FIELD_PREP(VTD_QI_IOTLB_DID, did),
		.hi = g == VTD_GRAN_PAGE
			  ? (addr & VTD_QI_IOTLB_HI_ADDR) |
				FIELD_PREP(VTD_QI_IOTLB_HI_AM, am)
			  : 0,
	};
	return vtd_qi_submit(u, &d, 1);
}
