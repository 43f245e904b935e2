# The VM layer: one line per object.
KVMLIKE_OBJS :=
