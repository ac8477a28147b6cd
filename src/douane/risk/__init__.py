"""Risk management: selectivity (channel choice), inspector assignment; targeting rules and scoring later."""
