// synth.mjs -- synthesizes the RDA's units (a tile of every hardware kind,
// the channel FIFO at several depths) with Yosys 0.55 (@yowasp/yosys:
// WebAssembly, run by node; scripts/setup.sh installs it, pinned) to a
// technology-independent gate library, and writes the area table the
// sweeps read (docs/synthesis.md).
//
//   node rtl/synth/synth.mjs --kinds GEN/ff_kinds.json --out DIR
//        [--table FILE] [--check FILE] [--only UNIT,...] [--replay ARRAY.json] SOURCES...
//
// SOURCES: the RTL in Verilator's reading order (packages first), as
// rtl/CMakeLists.txt lists it. ff_sram.sv is read as a black box: storage
// is charged by the per-bit model below, not as flip-flops.
// DIR/UNIT.json gets the unit's cell counts, DIR/UNIT.v its gate-level
// netlist, DIR/UNIT.netlist.json the same netlist as Yosys JSON (for the
// gate-level replay, rtl/synth/replay.c). --table writes the table (units, weights, provenance); --check
// re-synthesizes the units of an existing table (or --only some) and fails
// when any count differs, so the committed table stays the RTL's.
// --replay ARRAY.json adds, for the gate-level replay (replay.c), a netlist of
// each memory kind at the SRAM size that array gives it (tile_KIND_mWORDS):
// there the core's reads of the SRAM stay one cell, ff_sram_read (what an
// SRAM macro's read port is), instead of a mux tree over every word whose
// switching the per-access SRAM model already charges. Those units are not
// in the area table.
// Errors are one line naming the file:line or the unit; exit 1 (usage 2).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runYosys } from '@yowasp/yosys';
import { lower } from './lower.mjs';

const text = (v) => (typeof v === 'string' ? v : new TextDecoder().decode(v));

function fail(msg, code = 1) {
  process.stderr.write(`synth.mjs: ${msg}\n`);
  process.exit(code);
}

// The gate library: what `abc -g` maps to, plus Yosys's flip-flop cells.
// Areas in NAND2 equivalents (GE), typical of a static CMOS standard-cell
// library (docs/synthesis.md states them).
const GATE_GE = {
  $_NOT_: 0.67, $_NAND_: 1.0, $_NOR_: 1.0, $_AND_: 1.33, $_OR_: 1.33,
  $_XOR_: 2.33, $_XNOR_: 2.33, $_MUX_: 2.33,
};
// A D flip-flop is 4.67 GE; an asynchronous or synchronous set/reset adds
// 1.0, a clock enable 1.67 (a 2:1 mux in front of the D input).
const DFF_GE = 4.67, RESET_GE = 1.0, ENABLE_GE = 1.67;
// An SRAM bit: a 6T cell of about 0.45 GE at 75% array efficiency.
const SRAM_GE_PER_BIT = 0.6;
const FIFO_DEPTHS = [2, 4, 8, 16, 32];
const REF = { MaxDepth: 4, MaxLat: 4, MemWords: 8 };

const isFlop = (type) => /^\$_S?DFF/.test(type);

// A cell's area, or null for a cell outside the library.
function cellGe(type) {
  if (type in GATE_GE) return GATE_GE[type];
  const m = /^\$_(S?)DFF(C?E?)_([PN01]+)_$/.exec(type);
  if (!m) return null;
  const ctrl = m[3].slice(1); // after the clock polarity
  const hasReset = m[1] === 'S' || /[01]/.test(ctrl);
  const hasEnable = m[2].includes('E');
  return DFF_GE + (hasReset ? RESET_GE : 0) + (hasEnable ? ENABLE_GE : 0);
}

// ---- arguments -----------------------------------------------------------
const args = process.argv.slice(2);
const opt = { sources: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => {
    if (i + 1 >= args.length || args[i + 1].startsWith('--')) fail(`${a} needs a value`, 2);
    return args[++i];
  };
  if (a === '--kinds') opt.kinds = value();
  else if (a === '--out') opt.out = value();
  else if (a === '--table') opt.table = value();
  else if (a === '--check') opt.check = value();
  else if (a === '--only') opt.only = value().split(',');
  else if (a === '--replay') opt.replay = value();
  else if (a.startsWith('--')) fail(`unknown option ${a}`, 2);
  else opt.sources.push(a);
}
if (!opt.kinds || !opt.out || !opt.sources.length)
  fail('usage: node rtl/synth/synth.mjs --kinds ff_kinds.json --out DIR [--table FILE] [--check FILE] [--only UNIT,...] [--replay ARRAY.json] SOURCES...', 2);

function readJson(p) {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch (e) {
    fail(`${p}: ${e.message}`);
  }
}

// ---- the units ------------------------------------------------------------
const kinds = readJson(opt.kinds).kinds;
const units = [];
for (const k of kinds)
  units.push({ name: `tile_${k.name}`, top: 'ff_tile', kind: k.name, nin: k.nin, nout: k.nout, mem: k.mem,
               params: { Kind: k.kind, MaxDepth: REF.MaxDepth, MaxLat: REF.MaxLat, MemWords: k.mem ? REF.MemWords : 0 } });
for (const d of FIFO_DEPTHS)
  units.push({ name: `fifo_d${d}`, top: 'ff_fifo', params: { MaxDepth: d, Width: 34 } });
const replayUnits = [];
if (opt.replay) {
  const words = readJson(opt.replay).mem_words || {};
  for (const k of kinds) {
    const w = words[k.name];
    if (!k.mem || !w || w === REF.MemWords) continue;
    replayUnits.push({ name: `tile_${k.name}_m${w}`, top: 'ff_tile', kind: k.name, nin: k.nin, nout: k.nout, mem: k.mem,
                       replay: true, params: { Kind: k.kind, MaxDepth: REF.MaxDepth, MaxLat: REF.MaxLat, MemWords: w } });
  }
}

let wanted = units;
const checked = opt.check ? readJson(opt.check) : null;
if (opt.only) {
  for (const n of opt.only) if (!units.some((u) => u.name === n)) fail(`--only: no unit '${n}' (units: ${units.map((u) => u.name).join(', ')})`, 2);
  wanted = units.filter((u) => opt.only.includes(u.name));
}

// ---- the sources, lowered -------------------------------------------------
const srcs = opt.sources.map((p) => {
  try {
    return { path: p, name: path.basename(p), text: fs.readFileSync(p, 'utf8') };
  } catch (e) {
    fail(`${p}: ${e.message}`);
  }
});
let lowered;
try {
  lowered = lower(srcs).files;
} catch (e) {
  fail(e.message);
}
const files = {};
for (const f of lowered) files[f.name] = f.text;
const reads = lowered
  .filter((f) => !f.name.endsWith('.svh'))
  .map((f) => (f.name === 'ff_sram.sv' ? `read_verilog -lib -sv ${f.name}` : `read_verilog -defer -sv ${f.name}`));
// the replay units' SRAM read port, a black box like ff_sram
const SRAM_READ = `(* blackbox *)
module ff_sram_read #(parameter A_SIGNED = 0, B_SIGNED = 0, A_WIDTH = 1, B_WIDTH = 1, Y_WIDTH = 1)
  (input [A_WIDTH-1:0] A, input [B_WIDTH-1:0] B, output [Y_WIDTH-1:0] Y);
endmodule
`;
const digest = crypto.createHash('sha256');
for (const s of srcs) digest.update(s.name).update('\0').update(s.text).update('\0');
const rtlSha = digest.digest('hex');
const FLOW_VERSION = 2; // bump when the Yosys script or the areas change: no unit is reused across it
// ABC's full mapping of the ALU tile (its 64-bit divider and multipliers,
// about 88K gates before mapping) did not finish in 40 minutes here; a unit
// that large is mapped with `abc -fast` (docs/synthesis.md: on the scan tile
// -fast gives 30% more area, so such a unit's area is an upper bound).
const FAST_ABOVE = 60000;

// ---- synthesis ------------------------------------------------------------
// A unit synthesized before from the same sources, flow and parameters is
// reused from DIR (a table regenerates in the time of what changed).
function cached(u) {
  try {
    // the unit, without what only the cache needs
    const { rtl_sha256, flow, seconds, ...r } = JSON.parse(fs.readFileSync(path.join(opt.out, `${u.name}.json`), 'utf8'));
    void seconds;
    if (rtl_sha256 === rtlSha && flow === FLOW_VERSION && JSON.stringify(r.params) === JSON.stringify(u.params) &&
        fs.existsSync(path.join(opt.out, `${u.name}.v`)) && fs.existsSync(path.join(opt.out, `${u.name}.netlist.json`))) {
      process.stdout.write(`${u.name}: ${r.ncells} cells, ${r.flops} flip-flops, ${r.ge.toFixed(0)} GE (unchanged)\n`);
      return r;
    }
  } catch (e) {
    void e; // not there, or not readable: synthesize
  }
  return null;
}

async function synthesize(u, reuse) {
  const hit = reuse ? cached(u) : null;
  if (hit) return hit;
  const chparam = Object.entries(u.params).map(([k, v]) => `-chparam ${k} ${v}`).join(' ');
  let log = '';
  const sink = (b) => { if (b) log += text(b); };
  const yosys = async (script, input) => {
    try {
      return await runYosys(['-q', '-p', script.join('; ')], input, { stdout: sink, stderr: sink });
    } catch (e) {
      const err = log.split('\n').find((l) => /ERROR/.test(l)) || `yosys exited with ${e.code}`;
      fail(`unit ${u.name}: ${err.trim()}`);
    }
  };
  const t0 = Date.now();
  // 1: elaborate and synthesize to generic gates, not yet mapped (synth's
  // own abc would map twice); a replay unit's reads of the whole SRAM (a
  // $shiftx over all its words) become ff_sram_read cells first
  const coarse = u.replay
    ? [`synth -top ${u.top} -flatten -noabc -run begin:fine`,
       `chtype -set ff_sram_read t:$shiftx r:A_WIDTH=${u.params.MemWords * 32} %i`,
       `synth -top ${u.top} -flatten -noabc -run fine:`]
    : [`synth -top ${u.top} -flatten -noabc`];
  const pre = await yosys([
    ...reads,
    ...(u.replay ? ['read_verilog -lib ff_sram_read.v'] : []),
    `hierarchy -top ${u.top} ${chparam}`,
    ...coarse,
    'tee -q -o pre.json stat -json',
    'write_rtlil pre.il',
  ], u.replay ? { ...files, 'ff_sram_read.v': SRAM_READ } : files);
  const premap = Object.values(JSON.parse(text(pre['pre.json'])).modules)[0].num_cells;
  const abc = premap > FAST_ABOVE ? 'abc -fast' : 'abc';
  // 2: one technology mapping to the gate library (two-input gates,
  // inverters, 2:1 muxes; flip-flops stay Yosys's cells)
  const out = await yosys([
    'read_rtlil pre.il',
    `${abc} -g AND,NAND,OR,NOR,XOR,XNOR,MUX`,
    'opt_clean -purge',
    'tee -q -o stat.json stat -json',
    // the netlist's module is UNIT_gl, so a testbench can hold it beside the RTL
    `rename ${u.top} ${u.name}_gl`,
    'write_verilog -noattr netlist.v',
    // the same netlist for the gate-level replay (rtl/synth/replay.c)
    'write_json netlist.json',
  ], { 'pre.il': text(pre['pre.il']) });
  const stat = JSON.parse(text(out['stat.json']));
  const mods = Object.values(stat.modules);
  if (mods.length !== 1) fail(`unit ${u.name}: ${mods.length} modules after flattening, expected 1`);
  const cells = mods[0].num_cells_by_type;
  let ge = 0, flops = 0, ncells = 0, srams = 0;
  for (const [type, n] of Object.entries(cells)) {
    if (type === 'ff_sram') { srams += n; continue; }
    if (type === 'ff_sram_read' && u.replay) continue;
    const g = cellGe(type);
    if (g === null) fail(`unit ${u.name}: cell type ${type} is not in the gate library`);
    ge += g * n;
    ncells += n;
    if (isFlop(type)) flops += n;
  }
  fs.writeFileSync(path.join(opt.out, `${u.name}.v`), text(out['netlist.v']));
  fs.writeFileSync(path.join(opt.out, `${u.name}.netlist.json`), text(out['netlist.json']));
  const r = { params: u.params, cells, ncells, flops, srams, ge: Math.round(ge * 100) / 100, premap_cells: premap,
              abc: abc === 'abc' ? 'full' : 'fast' };
  if (u.kind) Object.assign(r, { kind: u.kind, nin: u.nin, nout: u.nout, mem: u.mem });
  const seconds = (Date.now() - t0) / 1000;
  fs.writeFileSync(path.join(opt.out, `${u.name}.json`),
                   JSON.stringify({ ...r, seconds, rtl_sha256: rtlSha, flow: FLOW_VERSION }, null, 1) + '\n');
  process.stdout.write(`${u.name}: ${ncells} cells, ${flops} flip-flops, ${r.ge.toFixed(0)} GE (${seconds.toFixed(1)} s)\n`);
  return r;
}

fs.mkdirSync(opt.out, { recursive: true });
if (checked) {
  const names = opt.only || Object.keys(checked.units);
  let bad = 0;
  for (const n of names) {
    const u = units.find((x) => x.name === n);
    if (!u) fail(`${opt.check}: unit '${n}' is not one this RTL has`);
    const want = checked.units[n];
    if (!want) fail(`${opt.check}: no unit '${n}'`);
    const r = await synthesize(u, false);
    if (JSON.stringify(r.cells) !== JSON.stringify(want.cells)) {
      process.stderr.write(`synth.mjs: ${opt.check}: unit ${n}: the RTL synthesizes to ${r.ncells} cells (${r.ge} GE), the table says ${want.ncells} (${want.ge} GE): regenerate it (docs/synthesis.md)\n`);
      bad++;
    }
  }
  if (bad) process.exit(1);
  process.stdout.write(`${names.length} units match ${opt.check}\n`);
} else {
  const table = {
    fuseflow: 'hw-cost',
    version: 1,
    provenance: {
      generated_by: 'rtl/synth/synth.mjs (docs/synthesis.md)',
      yosys: '0.55 (@yowasp/yosys 0.55.944)',
      flow: 'read_verilog -sv (lowered: rtl/synth/lower.mjs); hierarchy -chparam; synth -flatten -noabc; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX (abc -fast above 60000 cells before mapping); opt_clean -purge',
      rtl_sha256: rtlSha,
      reference: REF,
    },
    gate_ge: { ...GATE_GE, dff: DFF_GE, dff_reset: RESET_GE, dff_enable: ENABLE_GE },
    sram_ge_per_bit: SRAM_GE_PER_BIT,
    units: {},
  };
  for (const u of wanted) table.units[u.name] = await synthesize(u, true);
  for (const u of replayUnits) {
    // only kinds whose memory is an ff_sram (the stream buffer keeps its
    // entries in registers of its own)
    const base = table.units[`tile_${u.kind}`] || readJson(path.join(opt.out, `tile_${u.kind}.json`));
    if (base.srams > 0) await synthesize(u, true);
  }
  if (opt.table) {
    const tmp = `${opt.table}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(table, null, 1) + '\n');
    fs.renameSync(tmp, opt.table);
    process.stdout.write(`wrote ${opt.table}\n`);
  }
}
