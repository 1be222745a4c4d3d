// energy.mjs -- the energy table (docs/synthesis.md "Energy"): runs the
// workloads below on the Verilated array under `fuseflow cosim --fst-all`
// (both models agree on every one, or nothing is written), replays every
// placed tile's real streams on its synthesized netlist (ff_replay: outputs
// checked against the RTL's cycle by cycle, switching energy counted),
// replays the channel FIFO of every synthesized depth on a seeded stream,
// pools the figures per kind and per ALU op, and writes them with the
// models for what has no netlist (SRAM, off-chip, crossbar, leakage) and
// their provenance into one table, rtl/synth/hw_energy.json.
//
//   node rtl/synth/energy.mjs --fuseflow BIN --replay BIN --netlists DIR
//        --work DIR --table FILE [--hw-cost FILE] [--only MODEL,...]
//
// Run from the source tree (the workloads name examples/*.ff). Errors are
// one line; exit 1 (usage 2).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

function fail(msg, code = 1) {
  process.stderr.write(`energy.mjs: ${msg}\n`);
  process.exit(code);
}

// The workloads: every example kernel the `kernels` array runs, on seeded
// random data at the examples' sizes (real matrices do not fit the array's
// tiles yet: issue 18), so the streams carry what compiled graphs carry --
// coordinates, references, stop tokens, values -- through every kind the
// lowering places.
const WORKLOADS = [
  ['spmm', []], ['spmv', []], ['sddmm', []], ['add', []], ['mul', []], ['gcn', []],
  ['softmax', []], ['attention', []], ['attention_softmax', []], ['layernorm', []], ['relu', []],
  ['residual', []], ['bias', []], ['transpose', []], ['sparse_dnn', []], ['mttkrp', []],
  ['softmax', ['--fuse', 'all'], 'softmax_fused'], ['sddmm', ['--par', 'i:2'], 'sddmm_par'],
  ['block_attention', ['--dim', 'N=8', '--dim', 'D=4', '--block', '2'], 'block_attention'],
];
const SEED = '1';
const FIFO_CYCLES = '20000';

// The models for what has no netlist here (docs/synthesis.md "Energy" gives
// the sources). One eu is a NAND2 output transition into one NAND2 input.
const NODE = {
  name: '45 nm, 0.9 V',
  fj_per_eu: 1.0, // a NAND2 input ~1 fF, its own output about as much: 1/2 * 2 fF * 0.81 V^2 = 0.8 fJ, rounded up
};
const SRAM = {
  // Horowitz (ISSCC 2014, 45 nm): a 64-bit read of an 8 KiB SRAM is 10 pJ,
  // 32 KiB 20 pJ, 1 MiB 100 pJ: about the square root of the capacity.
  eu_per_word: 5000, // a 32-bit word of an 8 KiB (2048-word) array: half the 64-bit read
  at_words: 2048,
  scaling: 'sqrt',
  bank_words: 1024, // the tile SRAM of the `kernels` array, which a kernel's data lives in
};
const OFFCHIP = { eu_per_byte: 32000, source: 'HBM2, about 4 pJ/bit at the interface and DRAM core' };
const LEAKAGE = { eu_per_ge_cycle: 0.005, source: '5 nW per NAND2 equivalent at 45 nm, per 1 ns cycle (1 GHz)' };
const CROSSBAR = {
  // a 34-bit token through a consumer's 2:1-mux tree, log2(sources) levels,
  // half its bits changing: 17 transitions per level of a 2.33 GE mux driving
  // one mux input (0.5 * 2.33 + 0.5 = 1.67 eu)
  eu_per_token_per_level: 17 * 1.67,
};

// ---- arguments -------------------------------------------------------------
const args = process.argv.slice(2);
const opt = {};
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => {
    if (i + 1 >= args.length || args[i + 1].startsWith('--')) fail(`${a} needs a value`, 2);
    return args[++i];
  };
  if (a === '--fuseflow') opt.fuseflow = value();
  else if (a === '--replay') opt.replay = value();
  else if (a === '--netlists') opt.netlists = value();
  else if (a === '--work') opt.work = value();
  else if (a === '--table') opt.table = value();
  else if (a === '--hw-cost') opt.hwCost = value();
  else if (a === '--only') opt.only = value().split(',');
  else fail(`unknown argument ${a}`, 2);
}
if (!opt.fuseflow || !opt.replay || !opt.netlists || !opt.work || !opt.table)
  fail('usage: node rtl/synth/energy.mjs --fuseflow BIN --replay BIN --netlists DIR --work DIR --table FILE [--hw-cost FILE] [--only NAME,...]', 2);
const hwCostPath = opt.hwCost || path.join(path.dirname(opt.table), 'hw_cost.json');
const hwCost = JSON.parse(fs.readFileSync(hwCostPath, 'utf8'));

const run = (bin, argv) => {
  try {
    return execFileSync(bin, argv, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const out = `${e.stdout || ''}${e.stderr || ''}`.trim().split('\n').slice(-3).join(' | ');
    fail(`${path.basename(bin)} ${argv.join(' ')}: exit ${e.status}: ${out}`);
  }
};

// the replay's switching model, as ff_replay has it (provenance, estimates)
const switching = JSON.parse(run(opt.replay, ['--model']));

// ---- 1: the captures, 2: the replays ---------------------------------------
const tiles = [];
const workloads = [];
for (const [model, extra, label = model] of WORKLOADS) {
  if (opt.only && !opt.only.includes(label)) continue;
  const dir = path.join(opt.work, label);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  run(opt.fuseflow, ['cosim', `examples/${model}.ff`, '--random', SEED, ...extra, '--fst-all', dir]);
  const captures = fs.readdirSync(dir).filter((f) => f.endsWith('.tiles')).map((f) => path.join(dir, f.slice(0, -6)));
  const lines = run(opt.replay, ['--hw-cost', hwCostPath, opt.netlists, ...captures]).trim().split('\n');
  let n = 0;
  for (const l of lines) {
    const t = JSON.parse(l);
    if (t.status.startsWith('MISMATCH')) fail(`${label}: tile ${t.tile} (${t.kind} ${t.node}): ${t.status}`);
    t.workload = label;
    tiles.push(t);
    n++;
  }
  workloads.push({ name: label, model: `examples/${model}.ff`, args: ['--random', SEED, ...extra], kernels: captures.length, tiles: n });
  process.stdout.write(`${label}: ${captures.length} kernel(s), ${n} tiles replayed (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}
if (!tiles.length) fail('no workload ran');

// ---- 3: pooling --------------------------------------------------------------
// Per instance: idle energy per cycle from the cycles in which nothing moved
// (nor in the cycle before), the rest of its running energy over its
// firings. Pooled: idle over all idle cycles, per firing over all firings.
function pool(list) {
  let idleE = 0, idleC = 0, activeE = 0, firings = 0, cycles = 0;
  for (const t of list) {
    idleE += t.e_idle_per_cycle * t.idle_cycles;
    idleC += t.idle_cycles;
  }
  const idle = idleC ? idleE / idleC : 0;
  for (const t of list) {
    activeE += t.e_run - idle * t.run_cycles;
    firings += t.firings;
    cycles += t.run_cycles;
  }
  return { per_firing: firings ? Math.max(0, activeE / firings) : 0, idle_per_cycle: idle,
           measured: firings > 0, instances: list.length, firings, cycles };
}
const round = (x) => Math.round(x * 1000) / 1000;
const ok = tiles.filter((t) => t.status === 'ok');
const kinds = {};
const byKind = new Map();
for (const t of ok) byKind.set(t.kind, [...(byKind.get(t.kind) || []), t]);
const units = hwCost.units;
// energy per firing per GE, the median over the measured kinds: the estimate
// for a kind no workload exercised (marked measured: false)
const ratios = [];
for (const [k, list] of byKind) {
  const p = pool(list);
  if (p.measured && units[`tile_${k}`]) ratios.push(p.per_firing / units[`tile_${k}`].ge);
}
ratios.sort((a, b) => a - b);
const medianRatio = ratios.length ? ratios[Math.floor(ratios.length / 2)] : 0;
for (const name of Object.keys(units).filter((u) => u.startsWith('tile_')).map((u) => u.slice(5)).sort()) {
  const list = byKind.get(name) || [];
  const p = pool(list);
  const u = units[`tile_${name}`];
  if (!p.measured) {
    // idle: its flip-flops without an enable, clocked every cycle
    const plain = Object.entries(u.cells).filter(([c]) => /^\$_DFF_/.test(c)).reduce((s, [, n]) => s + n, 0);
    Object.assign(p, { per_firing: medianRatio * u.ge, idle_per_cycle: plain * switching.eu_clock_per_flop, measured: false });
  }
  kinds[name] = { per_firing: round(p.per_firing), idle_per_cycle: round(p.idle_per_cycle), measured: p.measured,
                  instances: p.instances, firings: p.firings, cycles: p.cycles };
}
const aluOps = {};
const byOp = new Map();
for (const t of ok.filter((x) => x.kind === 'alu' && x.op)) byOp.set(t.op, [...(byOp.get(t.op) || []), t]);
for (const [op, list] of [...byOp].sort()) {
  const p = pool(list);
  if (p.measured) aluOps[op] = { per_firing: round(p.per_firing), instances: p.instances, firings: p.firings };
}

// ---- 4: the FIFOs ------------------------------------------------------------
const depths = Object.keys(units).filter((u) => /^fifo_d\d+$/.test(u)).map((u) => +u.slice(6)).sort((a, b) => a - b);
const fifo = { depths, per_token: [], idle_per_cycle: [], cycles: +FIFO_CYCLES, reference_depth: hwCost.provenance.reference.MaxDepth };
for (const d of depths) {
  const r = JSON.parse(run(opt.replay, ['--hw-cost', hwCostPath, '--fifo', opt.netlists, `fifo_d${d}`, String(d),
                            FIFO_CYCLES, SEED]));
  fifo.per_token.push(round(r.e_per_token));
  fifo.idle_per_cycle.push(round(r.e_idle_per_cycle));
}

// ---- 5: the table --------------------------------------------------------------
const netlistSha = crypto.createHash('sha256');
for (const f of fs.readdirSync(opt.netlists).filter((x) => x.endsWith('.netlist.json')).sort())
  netlistSha.update(f).update('\0').update(fs.readFileSync(path.join(opt.netlists, f)));
const skipped = tiles.filter((t) => t.status !== 'ok');
const table = {
  fuseflow: 'hw-energy',
  version: 1,
  provenance: {
    generated_by: 'rtl/synth/energy.mjs (docs/synthesis.md "Energy")',
    rtl_sha256: hwCost.provenance.rtl_sha256,
    netlists_sha256: netlistSha.digest('hex'),
    replay: 'ff_replay (rtl/synth/replay.c): zero-delay, cycle by cycle, every output checked against the RTL run',
    model: switching,
    workloads,
    tiles_replayed: tiles.length,
    tiles_matched: ok.length,
    tiles_skipped: skipped.map((t) => `${t.workload} tile ${t.tile} ${t.kind} ${t.node}: ${t.status}`),
    estimated_kinds: Object.entries(kinds).filter(([, v]) => !v.measured).map(([k]) => k),
  },
  unit: 'eu: one NAND2 output transition into one NAND2 input',
  node: NODE,
  kinds,
  alu_ops: aluOps,
  fifo,
  crossbar: CROSSBAR,
  sram: SRAM,
  offchip: OFFCHIP,
  leakage: LEAKAGE,
};
const tmp = `${opt.table}.tmp`;
fs.writeFileSync(tmp, JSON.stringify(table, null, 1) + '\n');
fs.renameSync(tmp, opt.table);
process.stdout.write(`${tiles.length} tiles replayed, ${ok.length} matched the RTL, ${skipped.length} skipped; ` +
                     `${Object.values(kinds).filter((k) => k.measured).length} kinds measured, ` +
                     `${Object.keys(aluOps).length} ALU ops; wrote ${opt.table}\n`);
