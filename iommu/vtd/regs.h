/* Intel VT-d remapping hardware registers and in-memory structures.
 * Intel Virtualization Technology for Directed I/O, Architecture
 * Specification (rev. 3.x/4.x): chapter 11 (registers), chapter 9
 * (translation structures), section 6.5 (invalidation), 7.1 (faults).
 * Register offset first, its bits indented below. 32-bit registers must be
 * accessed with 32-bit reads and writes (QEMU aborts on 8-byte accesses). */
#ifndef IOMMU_VTD_REGS_H
#define IOMMU_VTD_REGS_H

#include "lib/bdf.h"
#include "lib/types.h"

#define VTD_REG_VER   0x00 /* 32: 11.4.1 */
#define VTD_VER_MAJOR GENMASK(7, 4)
#define VTD_VER_MINOR GENMASK(3, 0)
/* From major version 6, register-based invalidation is gone (6.5.1):
 * CCMD and IOTLB_REG are reserved and only the queue invalidates. */
#define VTD_VER_NO_REG_INVAL 6

#define VTD_REG_CAP   0x08 /* 64: 11.4.2 */
#define VTD_CAP_ND    GENMASK_ULL(2, 0)
#define VTD_CAP_AFL   BIT_ULL(3)
#define VTD_CAP_RWBF  BIT_ULL(4)
#define VTD_CAP_PLMR  BIT_ULL(5)
#define VTD_CAP_PHMR  BIT_ULL(6)
#define VTD_CAP_CM    BIT_ULL(7)
#define VTD_CAP_SAGAW GENMASK_ULL(12, 8)
#define VTD_CAP_MGAW  GENMASK_ULL(21, 16)
#define VTD_CAP_ZLR   BIT_ULL(22)
#define VTD_CAP_FRO   GENMASK_ULL(33, 24)
#define VTD_CAP_SLLPS GENMASK_ULL(37, 34)
#define VTD_CAP_PSI   BIT_ULL(39)
#define VTD_CAP_NFR   GENMASK_ULL(47, 40)
#define VTD_CAP_MAMV  GENMASK_ULL(53, 48)
#define VTD_CAP_DWD   BIT_ULL(54)
#define VTD_CAP_DRD   BIT_ULL(55)
#define VTD_CAP_FL1GP BIT_ULL(56)
#define VTD_CAP_PI    BIT_ULL(59)
#define VTD_CAP_FL5LP BIT_ULL(60)

#define VTD_REG_ECAP	 0x10 /* 64: 11.4.3 */
#define VTD_ECAP_C	 BIT_ULL(0)
#define VTD_ECAP_QI	 BIT_ULL(1)
#define VTD_ECAP_DT	 BIT_ULL(2)
#define VTD_ECAP_IR	 BIT_ULL(3)
#define VTD_ECAP_EIM	 BIT_ULL(4)
#define VTD_ECAP_PT	 BIT_ULL(6)
#define VTD_ECAP_SC	 BIT_ULL(7)
#define VTD_ECAP_IRO	 GENMASK_ULL(17, 8)
#define VTD_ECAP_MHMV	 GENMASK_ULL(23, 20)
#define VTD_ECAP_NEST	 BIT_ULL(26)
#define VTD_ECAP_PRS	 BIT_ULL(29)
#define VTD_ECAP_PASID	 BIT_ULL(40)
#define VTD_ECAP_SMTS	 BIT_ULL(43)
#define VTD_ECAP_SLTS	 BIT_ULL(46)
#define VTD_ECAP_FLTS	 BIT_ULL(47)
#define VTD_ECAP_SMPWC	 BIT_ULL(48) /* scalable-mode walks snoop (PWSNP) */
#define VTD_ECAP_RPS	 BIT_ULL(49) /* RID_PASID honoured (9.4) */
#define VTD_ECAP_ESIRTPS BIT_ULL(62) /* SIRTP invalidates the IEC */
#define VTD_ECAP_ESRTPS	 BIT_ULL(63) /* SRTP invalidates the caches */

#define VTD_REG_GCMD   0x18 /* 32: 11.4.4 */
#define VTD_REG_GSTS   0x1c /* 32: 11.4.5, same bit positions */
#define VTD_GCMD_TE    BIT(31)
#define VTD_GCMD_SRTP  BIT(30)
#define VTD_GCMD_SFL   BIT(29)
#define VTD_GCMD_EAFL  BIT(28)
#define VTD_GCMD_WBF   BIT(27)
#define VTD_GCMD_QIE   BIT(26)
#define VTD_GCMD_IRE   BIT(25)
#define VTD_GCMD_SIRTP BIT(24)
#define VTD_GCMD_CFI   BIT(23)
/* Status bits that stay set and must be written back with every command;
 * the others (SRTP, SFL, WBF, SIRTP) are one-shot (11.4.4). */
#define VTD_GSTS_PERSISTENT                                          \
	(VTD_GCMD_TE | VTD_GCMD_EAFL | VTD_GCMD_QIE | VTD_GCMD_IRE | \
	 VTD_GCMD_CFI)

#define VTD_REG_RTADDR 0x20		   /* 64: 11.4.6 */
#define VTD_RTADDR_TTM GENMASK_ULL(11, 10) /* 00: legacy mode */

#define VTD_REG_CCMD  0x28 /* 64: 11.4.7 */
#define VTD_CCMD_ICC  BIT_ULL(63)
#define VTD_CCMD_CIRG GENMASK_ULL(62, 61)
#define VTD_CCMD_CAIG GENMASK_ULL(60, 59)
#define VTD_CCMD_FM   GENMASK_ULL(33, 32)
#define VTD_CCMD_SID  GENMASK_ULL(31, 16)
#define VTD_CCMD_DID  GENMASK_ULL(15, 0)

#define VTD_REG_FSTS 0x34 /* 32: 11.4.9.1 */
#define VTD_FSTS_PFO BIT(0)
#define VTD_FSTS_PPF BIT(1)
#define VTD_FSTS_IQE BIT(4)
#define VTD_FSTS_ICE BIT(5)
#define VTD_FSTS_ITE BIT(6)
#define VTD_FSTS_FRI GENMASK(15, 8)
#define VTD_FSTS_ERRORS \
	(VTD_FSTS_PFO | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)

#define VTD_REG_FECTL	0x38 /* 32: 11.4.9.2 */
#define VTD_FECTL_IM	BIT(31)
#define VTD_FECTL_IP	BIT(30)
#define VTD_REG_FEDATA	0x3c
#define VTD_REG_FEADDR	0x40
#define VTD_REG_FEUADDR 0x44

#define VTD_REG_PMEN 0x64 /* 32: 11.4.13 */
#define VTD_PMEN_EPM BIT(31)
#define VTD_PMEN_PRS BIT(0)

#define VTD_REG_IRTA 0xb8 /* 64: 11.4.11 */

#define VTD_REG_IQH	0x80 /* 64: 11.4.10 */
#define VTD_REG_IQT	0x88
#define VTD_IQ_IDX	GENMASK_ULL(18, 4) /* 128-bit descriptor index */
#define VTD_REG_IQA	0x90
#define VTD_IQA_IQA	GENMASK_ULL(63, 12)
#define VTD_IQA_DW	BIT_ULL(11)
#define VTD_IQA_QS	GENMASK_ULL(2, 0)
#define VTD_REG_ICS	0x9c /* 32 */
#define VTD_ICS_IWC	BIT(0)
#define VTD_REG_IECTL	0xa0
#define VTD_REG_IQERCD	0xb0 /* 64 */
#define VTD_IQERCD_IQEI GENMASK_ULL(3, 0)

/* IOTLB registers at ECAP.IRO * 16 (11.4.8). */
#define VTD_IOTLB_IVA  0x0 /* 64 */
#define VTD_IVA_ADDR   GENMASK_ULL(63, 12)
#define VTD_IVA_IH     BIT_ULL(6)
#define VTD_IVA_AM     GENMASK_ULL(5, 0)
#define VTD_IOTLB_REG  0x8 /* 64 */
#define VTD_IOTLB_IVT  BIT_ULL(63)
#define VTD_IOTLB_IIRG GENMASK_ULL(61, 60)
#define VTD_IOTLB_IAIG GENMASK_ULL(58, 57)
#define VTD_IOTLB_DR   BIT_ULL(49)
#define VTD_IOTLB_DW   BIT_ULL(48)
#define VTD_IOTLB_DID  GENMASK_ULL(47, 32)

/* Fault recording registers at CAP.FRO * 16, 16 bytes each (11.4.14),
 * read as 32-bit halves. The record's bits 63:0 are "lo", 127:64 "hi". */
#define VTD_FRCD_SIZE	16
#define VTD_FRCD_LO	0x0 /* 64: bits 63:12 fault info (page address) */
#define VTD_FRCD_LO_FI	GENMASK_ULL(63, 12)
#define VTD_FRCD_HI	0x8 /* 64 */
#define VTD_FRCD_HI_UP	0xc /* 32: bits 127:96, where F is (RW1C) */
#define VTD_FRCD_HI_F	BIT_ULL(63)
#define VTD_FRCD_HI_T1	BIT_ULL(62) /* with T2: the request type */
#define VTD_FRCD_HI_AT	GENMASK_ULL(61, 60)
#define VTD_FRCD_HI_PV	GENMASK_ULL(59, 40)
#define VTD_FRCD_HI_FR	GENMASK_ULL(39, 32)
#define VTD_FRCD_HI_PP	BIT_ULL(31)
#define VTD_FRCD_HI_T2	BIT_ULL(28) /* record bit 92 (VT-d 3.0+) */
#define VTD_FRCD_HI_SID GENMASK_ULL(15, 0)

/* Faulted request type, T1:T2 (11.4.14). Units before VT-d 3.0 leave T2
 * zero: a read or a write. */
enum vtd_access {
	VTD_ACC_WRITE = 0,  /* T1=0 T2=0 */
	VTD_ACC_PAGE = 1,   /* T1=0 T2=1: page request */
	VTD_ACC_READ = 2,   /* T1=1 T2=0 */
	VTD_ACC_ATOMIC = 3, /* T1=1 T2=1: AtomicOp */
};

/* Root entry, legacy mode (9.1): 128 bits, only the low word used. */
#define VTD_ROOT_P   BIT_ULL(0)
#define VTD_ROOT_CTP GENMASK_ULL(63, 12)

/* Context entry, legacy mode (9.3): 128 bits. */
#define VTD_CTX_LO_P	    BIT_ULL(0)
#define VTD_CTX_LO_FPD	    BIT_ULL(1)
#define VTD_CTX_LO_TT	    GENMASK_ULL(3, 2)
#define VTD_TT_MULTI_LEVEL  0
#define VTD_TT_DEV_TLB	    1
#define VTD_TT_PASS_THROUGH 2
#define VTD_CTX_LO_SLPTPTR  GENMASK_ULL(63, 12)
#define VTD_CTX_HI_AW	    GENMASK_ULL(2, 0) /* 1: 39-bit, 2: 48, 3: 57 */
#define VTD_CTX_HI_DID	    GENMASK_ULL(23, 8)

struct vtd_entry128 {
	u64 lo, hi;
};
_Static_assert(sizeof(struct vtd_entry128) == 16, "root/context: 16 bytes");

/* Queued invalidation descriptors, 128-bit (6.5.2). */
#define VTD_QI_TYPE	     GENMASK_ULL(3, 0)
#define VTD_QI_CC	     0x1
#define VTD_QI_IOTLB	     0x2
#define VTD_QI_WAIT	     0x5
#define VTD_QI_GRAN	     GENMASK_ULL(5, 4)
#define VTD_QI_CC_DID	     GENMASK_ULL(31, 16)
#define VTD_QI_CC_SID	     GENMASK_ULL(47, 32)
#define VTD_QI_CC_FM	     GENMASK_ULL(49, 48)
#define VTD_QI_IOTLB_DW	     BIT_ULL(6)
#define VTD_QI_IOTLB_DR	     BIT_ULL(7)
#define VTD_QI_IOTLB_DID     GENMASK_ULL(31, 16)
#define VTD_QI_IOTLB_HI_ADDR GENMASK_ULL(63, 12)
#define VTD_QI_IOTLB_HI_IH   BIT_ULL(6)
#define VTD_QI_IOTLB_HI_AM   GENMASK_ULL(5, 0)
#define VTD_QI_WAIT_IF	     BIT_ULL(4)
#define VTD_QI_WAIT_SW	     BIT_ULL(5)
#define VTD_QI_WAIT_FN	     BIT_ULL(6)
#define VTD_QI_WAIT_SDATA    GENMASK_ULL(63, 32)
#define VTD_QI_WAIT_HI_SADDR GENMASK_ULL(63, 2)

/* Invalidation granularities, shared by CCMD.CIRG, IOTLB.IIRG and the
 * descriptors' G field. */
enum vtd_gran {
	VTD_GRAN_GLOBAL = 1,
	VTD_GRAN_DOMAIN = 2,
	VTD_GRAN_DEVICE = 3, /* context cache */
	VTD_GRAN_PAGE = 3,   /* IOTLB */
};

/* Legacy-mode fault reasons (7.1.3, table 26). */
enum vtd_fault_reason {
	VTD_FR_ROOT_NOT_PRESENT = 0x1,
	VTD_FR_CTX_NOT_PRESENT = 0x2,
	VTD_FR_CTX_INVALID = 0x3,
	VTD_FR_ADDR_BEYOND_AW = 0x4,
	VTD_FR_WRITE = 0x5,
	VTD_FR_READ = 0x6,
	VTD_FR_SL_ACCESS = 0x7,
	VTD_FR_ROOT_ACCESS = 0x8,
	VTD_FR_CTX_ACCESS = 0x9,
	VTD_FR_ROOT_RSVD = 0xa,
	VTD_FR_CTX_RSVD = 0xb,
	VTD_FR_SL_RSVD = 0xc,
	VTD_FR_TT_BLOCKED = 0xd,
	VTD_FR_INTR_RANGE = 0xe,
};

#endif
