LIB_SRCS += $(wildcard namespaces/*.c)
