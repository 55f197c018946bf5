"""The client's own side: check-ins, notes on triggers and coping, the relapse-prevention plan."""
