# Host unit tests (cmocka) of the pure modules, built with ASan and UBSan.
# To add one: append its name to HOST_TESTS and list its sources in
# <name>_SRCS. Binaries land in $(O)/host/<name>; the runner's host lane runs
# every one of them with the ACPI tables directory as $(O)/tables.

HOST_TESTS :=
-include $(wildcard tests/host/*.inc)

# ACPI data tables for the DMAR tests, compiled from source by iasl.
TABLE_SRCS := $(wildcard tests/tables/*.dsl)
TABLE_AMLS := $(patsubst tests/tables/%.dsl,$(O)/tables/%.aml,$(TABLE_SRCS))

$(O)/tables/%.aml: tests/tables/%.dsl
	$(call say,IASL,$<)
	@mkdir -p $(dir $@)
	$(Q)iasl -p $(O)/tables/$* $< >$(O)/tables/$*.log 2>&1 || \
		{ cat $(O)/tables/$*.log; exit 1; }

$(O)/h/%.o: %.c
	$(call say,HOSTCC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -c $< -o $@

define host_test_rule
$(O)/host/$(1): $$(addprefix $(O)/h/,$$($(1)_SRCS:.c=.o))
	$$(call say,HOSTLD,$$@)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(HOSTCC) -o $$@ $$^ $$(HOSTLDLIBS)
-include $$(addprefix $(O)/h/,$$($(1)_SRCS:.c=.d))
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))

host-build: $(addprefix $(O)/host/,$(HOST_TESTS)) $(TABLE_AMLS)

host-tests: host-build
	$(Q)$(PYTHON) tests/run --out $(O) --lanes host
