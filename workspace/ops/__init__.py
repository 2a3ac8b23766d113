"""Running the workspace: health checks for load balancers, start-up checks for production."""
