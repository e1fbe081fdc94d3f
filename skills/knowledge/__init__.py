"""The knowledge skill: grounded, cited answers to general health and fitness questions.

Modules: ``skill`` (the skill), ``scoring`` (how strongly it claims a message), ``rewrite``
(follow-ups from the dialogue state), ``answer`` (extractive answers), ``llm`` (the optional
OpenAI-compatible language model), ``grounding`` (citations for other skills), ``calibrate`` (the
abstention threshold, measured on ``tests/skills/knowledge/questions.yaml``).
"""
