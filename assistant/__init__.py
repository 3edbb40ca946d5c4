"""LLM backends, tools over profiles and retrieval, and the conversational agent."""
