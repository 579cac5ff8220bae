"""quizzes domain."""
