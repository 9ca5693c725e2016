"""The verification environment: binding, agents, scoreboard, coverage, env (README in tb/)."""
