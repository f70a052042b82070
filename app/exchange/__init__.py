"""Haven to Haven: records travel between profiles as signed, encrypted mail (issue 9)."""
