"""What the chapters share: exercise feedback and widget redraws."""
