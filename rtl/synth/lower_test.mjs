// lower_test.mjs -- the lowering of rtl/synth/lower.mjs (CTest synth_lower):
// what it rewrites, and that it refuses what it cannot, naming file:line.
import assert from 'node:assert/strict';
import { lower } from './lower.mjs';

const pkg = { name: 'p.sv', text: 'package p;\n  typedef logic [3:0] t_t;\n  localparam int N = 2;\nendpackage\n' };

// packages become the unit's own declarations; imports and qualifiers go;
// line numbers stay
{
  const m = { name: 'm.sv', text: 'module m\n  import p::*;\n#(parameter int W = 1)\n(input p::t_t a, output logic y);\n  assign y = ^a; // p::ignored in a comment\nendmodule\n' };
  const out = lower([pkg, m]).files;
  assert.equal(out[0].text.split('\n').length, pkg.text.split('\n').length);
  assert.doesNotMatch(out[0].text, /package|endpackage/);
  assert.match(out[0].text, /typedef logic \[3:0\] t_t;/);
  assert.equal(out[1].text.split('\n')[1], '');
  assert.match(out[1].text.split('\n')[3], /^\(input t_t a, output logic y\);$/);
}

const refuses = (text, re) => assert.throws(() => lower([pkg, { name: 'bad.sv', text }]), re);
refuses('module m;\n  function automatic int f(int x);\n    return x;\n  endfunction\nendmodule\n', /^Error: bad\.sv:3: 'return'/);
refuses("module m;\n  assign s = '{a: 1, b: 2};\nendmodule\n", /^Error: bad\.sv:2: an assignment pattern with member names/);
refuses('module m\n  import q::*;\n();\nendmodule\n', /^Error: bad\.sv:2: import of package 'q', which no source defines/);
refuses('module m(input q::t_t a);\nendmodule\n', /^Error: bad\.sv:1: a name from package 'q'/);
// what only looks like it: a return in a comment or a string is no return
assert.doesNotThrow(() => lower([pkg, { name: 'ok.sv', text: 'module m; // return\n  initial $display("return");\nendmodule\n' }]));
process.stdout.write('lower: ok\n');
