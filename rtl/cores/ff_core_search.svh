// ff_core_search.svh -- the search of a compressed level's coordinates in a
// core's SRAM that locate (a coordinate's position) and scan (a skip's
// target) both make: one binary search, unrolled so it completes within the
// firing (AW + 1 probes cover any fiber of the bank), as the C model's. The
// including module declares Words (a power of two) and AW = $clog2(Words).

  // crd[i] of the level whose coordinates start at word cbase (0 past the SRAM)
  function automatic logic [31:0] crd_at(input logic [Words-1:0][31:0] mm, input logic [31:0] cbase,
                                         input logic [31:0] i);
    crd_at = (64'(cbase) + 64'(i) < 64'(Words)) ? mm[AW'(cbase + i)] : 32'd0;
  endfunction

  // The first position of [first, past) whose coordinate is at least v (past if none).
  function automatic logic [31:0] crd_lower_bound(input logic [Words-1:0][31:0] mm, input logic [31:0] cbase,
                                                  input logic [31:0] first, input logic [31:0] past,
                                                  input logic [31:0] v);
    logic [31:0] x, y, mid;
    x = first;
    y = past;
    for (int unsigned q = 0; q <= AW; q++) begin
      if (x < y) begin
        mid = x + ((y - x) >> 1);
        if (crd_at(mm, cbase, mid) < v) x = mid + 32'd1;
        else y = mid;
      end
    end
    crd_lower_bound = x;
  endfunction
