# The page-table walker (VT-d second level, EPT, NPT) and its kernel binding.
MM_OBJS := mm/pgtable.o
MM_OBJS += mm/pgtable_map.o
MM_OBJS += mm/pgtable_unmap.o
MM_OBJS += mm/pgtable_kernel.o
