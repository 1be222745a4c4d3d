// lower.mjs -- the SystemVerilog the RTL is written in, as Yosys 0.55 reads
// it (docs/synthesis.md "Lowering"). Yosys reads neither package imports in
// a module header nor package-qualified names, so the packages become the
// compilation unit's own declarations: their package/endpackage lines and
// every `import P::*;` line go, and nothing else changes (line numbers stay,
// so Yosys's messages name the source line); a name qualified with one of
// the packages (`ff_pkg::blk_req_t`) loses its qualifier. What this
// lowering does not handle -- a `return` (Yosys 0.55 reads none), an
// assignment pattern with member names, a name from a package no source
// defines -- is refused with the file and line, so the RTL stays inside
// what both Verilator and Yosys read.

const PACKAGE = /^\s*package\s+(\w+)\s*;\s*(\/\/.*)?$/;
const ENDPACKAGE = /^\s*endpackage\b/;
const IMPORT = /^\s*import\s+(\w+)::\*\s*;\s*(\/\/.*)?$/;

// Strips comments and string literals from a line, for the checks only.
function code(line, state) {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (state.block) {
      if (line.startsWith('*/', i)) { state.block = false; i++; }
      continue;
    }
    if (line.startsWith('//', i)) break;
    if (line.startsWith('/*', i)) { state.block = true; i++; continue; }
    if (line[i] === '"') {
      const end = line.indexOf('"', i + 1);
      i = end < 0 ? line.length : end;
      continue;
    }
    out += line[i];
  }
  return out;
}

// files: [{name, text}] in reading order. Returns {files: [{name, text}]}
// or throws an Error whose message is "name:line: what".
export function lower(files) {
  const packages = new Set();
  for (const f of files)
    for (const line of f.text.split('\n')) {
      const m = PACKAGE.exec(line);
      if (m) packages.add(m[1]);
    }
  const out = [];
  for (const f of files) {
    const lines = f.text.split('\n');
    const state = { block: false };
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n];
      const where = `${f.name}:${n + 1}`;
      let m;
      if (PACKAGE.exec(line) || ENDPACKAGE.test(line)) { lines[n] = ''; continue; }
      if ((m = IMPORT.exec(line))) {
        if (!packages.has(m[1])) throw new Error(`${where}: import of package '${m[1]}', which no source defines`);
        lines[n] = '';
        continue;
      }
      const c = code(line, state);
      if (/\breturn\b/.test(c))
        throw new Error(`${where}: 'return' (Yosys 0.55 reads none: assign the function's name instead)`);
      if (/'\{\s*\w+\s*:/.test(c))
        throw new Error(`${where}: an assignment pattern with member names (Yosys 0.55 reads none)`);
      for (const q of c.matchAll(/\b(\w+)::/g))
        if (!packages.has(q[1])) throw new Error(`${where}: a name from package '${q[1]}', which no source defines`);
      lines[n] = line.replace(/\b(\w+)::(?=\w)/g, (all, p) => (packages.has(p) ? '' : all));
      if (/^\s*import\b/.test(c)) throw new Error(`${where}: an import this lowering does not read (one 'import P::*;' per line)`);
    }
    out.push({ name: f.name, text: lines.join('\n') });
  }
  return { files: out };
}
