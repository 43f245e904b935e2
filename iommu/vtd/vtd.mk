# The DMAR parser, pure C: the host tests and the fuzzer build it too.
DMAR_SRCS := iommu/vtd/dmar.c iommu/vtd/dmar_scope.c iommu/vtd/dmar_check.c \
	iommu/vtd/dmar_names.c
# VT-d: one object per line, so that changes to different files do not collide.
VTD_OBJS := $(DMAR_SRCS:.c=.o)
VTD_OBJS += iommu/vtd/caps.o
VTD_OBJS += iommu/vtd/unit.o
VTD_OBJS += iommu/vtd/inval.o
VTD_OBJS += iommu/vtd/context.o
VTD_OBJS += iommu/vtd/fault.o
VTD_OBJS += iommu/vtd/report.o
VTD_OBJS += iommu/vtd/domain.o
VTD_OBJS += iommu/vtd/alias.o
VTD_OBJS += iommu/vtd/vtd.o
VTD_OBJS += iommu/vtd/ir.o
VTD_OBJS += iommu/vtd/pasid.o
VTD_OBJS += iommu/vtd/ir_host.o
