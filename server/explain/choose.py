"""Picks the explainer from config: Anthropic when a key is set, otherwise the offline one."""

from __future__ import annotations

from server.config import Config
from server.explain.base import Explainer
from server.explain.offline import OfflineExplainer


def make_explainer(config: Config) -> Explainer:
    if config.anthropic_api_key:
        # Imported only here: the SDK costs 1-2 s and ~70 MB, and most deployments run offline.
        from server.explain.anthropic import AnthropicExplainer

        explainer: Explainer = AnthropicExplainer(
            api_key=config.anthropic_api_key,
            model=config.ai_model,
            max_tokens=config.ai_max_tokens,
            timeout_s=config.explain_timeout_s,
        )
        return explainer
    return OfflineExplainer()
