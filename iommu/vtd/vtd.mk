VTD_OBJS := iommu/vtd/dmar.o iommu/vtd/dmar_scope.o iommu/vtd/caps.o iommu/vtd/unit.o iommu/vtd/inval.o iommu/vtd/context.o \
	iommu/vtd/fault.o iommu/vtd/report.o iommu/vtd/pgtable.o \
	iommu/vtd/pgtable_map.o iommu/vtd/pgtable_unmap.o iommu/vtd/domain.o iommu/vtd/pgtable_kernel.o
