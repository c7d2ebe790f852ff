"""The machinery behind ``microgradx.compile``: the vectorised local-derivative table
(``kernels``) and the planner that turns a Value graph into instructions (``program``)."""
