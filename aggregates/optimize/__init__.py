"""The allocation model: plain arrays in (``problem.Problem``), a MathOpt MILP, plain arrays out.

``instance.build_instance`` turns a region, a scenario and route options into a problem;
``model`` builds the MILP; ``solve.solve`` solves it; ``explain`` says why a plan cannot be made;
``matrix`` feeds an explicit cost matrix (OR-Library). Numeric only: no GIS or drawing library.
"""
