/*
 * ff_sc_map.h -- the address map of the SystemC accelerator target
 * (docs/cosim.md "SystemC testbench"), shared by the target and the
 * initiator. Byte addresses on the TLM-2.0 socket; registers and array
 * words are 32 bits, host byte order (the payload's data pointer holds
 * them as uint32_t).
 *
 *   base          size      what                                  access
 *   0x0000_0000   4 KiB     control/status block (below)          32-bit words
 *   0x0000_1000   4 KiB     MSG: the last model error, text       read
 *   0x0004_0000   256 KiB   CFG: array config register A at +4A   32-bit words, bursts, run off
 *   0x0100_0000   16 MiB    MBOX: the C model's mailbox           bytes, any length
 *   0x4000_0000   512 MiB   SRAM: slot S, word W at +(S<<18)+4W   32-bit words, bursts within a slot, run off
 *
 * CFG and SRAM accesses reach the array's buses and take one clock edge
 * per word (docs/rtl.md: one configuration or SRAM write per edge, run
 * off); everything else takes no edge and annotates one clock period.
 */
#ifndef FF_SC_MAP_H
#define FF_SC_MAP_H

#include "ff_config.h"

#define FF_SC_CTRL_BASE 0x00000000u
#define FF_SC_CTRL_SIZE 0x1000u
#define FF_SC_MSG_BASE 0x00001000u
#define FF_SC_MSG_SIZE 0x1000u
#define FF_SC_CFG_BASE 0x00040000u
#define FF_SC_CFG_SIZE (4u << FF_RTL_ADDR_BITS)
#define FF_SC_MBOX_BASE 0x01000000u
#define FF_SC_MBOX_SIZE 0x01000000u
#define FF_SC_SRAM_BASE 0x40000000u
#define FF_SC_SRAM_SLOT_SHIFT (FF_RTL_MEM_ADDR_BITS + 2)
#define FF_SC_SRAM_SIZE (1u << (FF_RTL_SLOT_BITS + FF_SC_SRAM_SLOT_SHIFT))

/* Control/status registers: byte offsets in the control block. 64-bit
 * counts are two words, low word first. ORDER FF_SC_REG */
#define FF_SC_REG_ID 0x00               /* RO  FF_SC_ID */
#define FF_SC_REG_CTRL 0x04             /* WO  FF_SC_CTRL_* bits */
#define FF_SC_REG_STATUS 0x08           /* RO  FF_SC_ST_* bits */
#define FF_SC_REG_COMPARE 0x0c          /* RO  FF_SC_CMP_* bits */
#define FF_SC_REG_ARRAY_CYCLES 0x10     /* RO  64: the array's cycles (a finished run), else cycles stepped */
#define FF_SC_REG_MODEL_CYCLES 0x18     /* RO  64: the C model's ff_sim_cycles (finished), else cycles stepped */
#define FF_SC_REG_ARRAY_STOP 0x20       /* RO  why the array was stopped: -FF_ELIMIT, -FF_ERUNTIME, -FF_EDEADLOCK; 0 */
#define FF_SC_REG_ARRAY_STOP_CYCLE 0x24 /* RO  64: the cycle it was stopped in */
#define FF_SC_REG_MAX_CYCLES 0x2c       /* RW  64: the array's cycle limit, taken at START; 0: 20,000,000 */
#define FF_SC_REG_WATCHDOG 0x34         /* RW  cycles without movement that stop the array; 0: 4096 */
#define FF_SC_REG_MODEL_CMD 0x38        /* WO  FF_SC_CMD_*: the mailbox's first MODEL_LEN bytes are its operand */
#define FF_SC_REG_MODEL_LEN 0x3c        /* RW  operand bytes; after FF_SC_CMD_OUTPUT, the result's */
#define FF_SC_REG_MODEL_STATUS 0x40     /* RO  0, or -FF_E* of the last failed command or model run (text in MSG) */
#define FF_SC_REG_EDGES 0x44            /* RO  64: clock cycles since elaboration */
#define FF_SC_REG_ARRAY_NAME 0x80       /* RO  32 bytes: the array configuration's name, NUL-padded */
#define FF_SC_ARRAY_NAME_SIZE 32

#define FF_SC_ID 0xff5c0001u

/* CTRL, written as one word:
 *
 *   31                             3   2     1     0
 *  +--------------------------------+-----+-----+-----+
 *  |            (ignored)           | ACK |START|RESET|
 *  +--------------------------------+-----+-----+-----+
 *
 * RESET: reset the array (two edges, as ff_rtl_reset: configuration, FIFOs,
 *   tile state; SRAM kept) and forget the C model's graph and tensors.
 * START: both models run from the next clock edge, the array under the run
 *   discipline of ff_rtl_watch (MAX_CYCLES, WATCHDOG), the C model one
 *   ff_sim_step per edge. Refused while a run is going.
 * ACK: lower the interrupt.
 * RESET and START in one write: reset first. */
#define FF_SC_CTRL_RESET (1u << 0)
#define FF_SC_CTRL_START (1u << 1)
#define FF_SC_CTRL_ACK (1u << 2)

/* STATUS: */
#define FF_SC_ST_BUSY (1u << 0)        /* a run is going: START was written, IRQ not yet raised */
#define FF_SC_ST_ARRAY_DONE (1u << 1)  /* every tile of the array finished */
#define FF_SC_ST_ARRAY_STOP (1u << 2)  /* the array was stopped (ARRAY_STOP says why) */
#define FF_SC_ST_MODEL_DONE (1u << 3)  /* every node of the C model finished */
#define FF_SC_ST_MODEL_FAIL (1u << 4)  /* the C model failed (MODEL_STATUS, MSG) */
#define FF_SC_ST_IRQ (1u << 5)         /* the interrupt line: both sides have finished or stopped */

/* COMPARE, valid with the interrupt: */
#define FF_SC_CMP_VALID (1u << 0)      /* both sides finished */
#define FF_SC_CMP_CYCLES (1u << 1)     /* ... in the same number of cycles */

/* MODEL_CMD: */
#define FF_SC_CMD_ARCH 1   /* operand: an architecture file's JSON text (length 0: the defaults) */
#define FF_SC_CMD_GRAPH 2  /* operand: a graph's JSON text (docs/graph-format.md); the model is built */
#define FF_SC_CMD_BIND 3   /* operand: an input tensor (ff_sc_blob.h), bound to the graph tensor it names */
#define FF_SC_CMD_OUTPUT 4 /* operand: an output tensor's name; result: that tensor (ff_sc_blob.h) */

#endif
