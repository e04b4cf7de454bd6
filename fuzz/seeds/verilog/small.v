// Seed for the Verilog fuzz target: vectors, assign, primitives, a flop.
module top (input [1:0] a, input b, input clk, output y, output [1:0] z);
  wire n1, n2;
  and g1 (n1, a[0], b);
  nor (n2, a[1], n1);
  assign z = {n1, ~n2};
  assign y = b ? n1 : (n2 ^ a[0]);
  \$_DFF_P_ r (.C(clk), .D(n2), .Q(q));
endmodule
