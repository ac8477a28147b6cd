"""The risk model: trained on an administration's inspection history, scoring declarations at lodging.

`mapping` reads exports through a TOML mapping; `features` computes leak-free history features; `training`
chooses and fits the LightGBM model by rolling-origin validation; `store` writes and reads a model directory;
`scorer` scores one item fast or a batch; `workflow` holds the `douane risk` use cases.
"""

from douane.risk.learning.scorer import Contribution, Scored, Scorer

__all__ = ["Contribution", "Scored", "Scorer"]
