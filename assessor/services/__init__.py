"""Domain operations used by the views and the CLI; views stay thin and call these."""
