"""YAML as Docker Compose reads it, for tests that inspect compose files."""

import yaml


class ComposeLoader(yaml.SafeLoader):
    """Compose's merge tags (``!reset``, ``!override``) load as their plain value."""


def _untagged(loader: ComposeLoader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


ComposeLoader.add_multi_constructor("!", _untagged)


def load_all(text: str) -> list:
    return list(yaml.load_all(text, Loader=ComposeLoader))
