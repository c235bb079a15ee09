/* The static silo-agent binary, embedded so that one installed file (silo)
 * carries everything sandbox mode needs. module.mk builds the agent first
 * and passes its path as SILO_AGENT_PATH. */
#ifndef SILO_AGENT_PATH
#error "SILO_AGENT_PATH must name the built silo-agent (see sandbox-vm/module.mk)"
#endif

__asm__ (".section .rodata\n"
         ".global silo_agent_blob\n"
         ".type silo_agent_blob, @object\n"
         ".balign 16\n"
         "silo_agent_blob:\n"
         ".incbin \"" SILO_AGENT_PATH "\"\n"
         ".global silo_agent_blob_end\n"
         "silo_agent_blob_end:\n"
         ".byte 0\n"
         ".previous\n");
