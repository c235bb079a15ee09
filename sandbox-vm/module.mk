# Sandbox mode: the host side (monitor, backends, control socket) and the
# guest agent. The agent's objects -> its own archive -> silo-agent (static),
# placed beside silo, where sandbox-vm/monitor/agent_image.c looks for it.
# The agent links a private archive, not libsilo.a, which would be circular.
LIB_SRCS += $(wildcard sandbox-vm/*.c sandbox-vm/monitor/*.c sandbox-vm/backends/*.c) $(filter-out sandbox-vm/agent/main.c,$(wildcard sandbox-vm/agent/*.c))

SILO_AGENT := $(BUILD)/silo-agent
AGENT_SRCS := $(wildcard util/*.c oci/*.c namespaces/*.c) sandbox-vm/protocol.c \
	cgroups/v2-tree.c cgroups/fs.c cgroups/resources-v2.c cgroups/stats.c \
	$(filter-out sandbox-vm/agent/main.c,$(wildcard sandbox-vm/agent/*.c))
# The agent is linked -static, which sanitizers cannot be: its objects get
# a directory of their own, built without $(SAN), so check-asan works.
AGENT_OBJS := $(AGENT_SRCS:%.c=$(BUILD)/agent-obj/%.o)
AGENT_STATIC_LIBS := -ljansson -lseccomp -lcap -lnl-route-3 -lnl-3 -lpthread -lm
AGENT_CFLAGS = $(CPPFLAGS) $(WARN) $(PKG_CFLAGS) $(CFLAGS)

$(BUILD)/agent-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(AGENT_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/sandbox-vm/libagent.a: $(AGENT_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

$(SILO_AGENT): $(BUILD)/agent-obj/sandbox-vm/agent/main.o $(BUILD)/sandbox-vm/libagent.a
	$(CC) $(AGENT_CFLAGS) -static -s -o $@ $^ $(AGENT_STATIC_LIBS)


EXTRA_BINS += $(SILO_AGENT)
