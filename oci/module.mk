LIB_SRCS += $(wildcard oci/*.c)
