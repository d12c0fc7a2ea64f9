"""Server settings from flags, environment (``RAGFORT_*``) and ``.env``."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ServerSettings"]


class ServerSettings(BaseSettings):
    """Everything `create_app` needs; each field reads ``RAGFORT_<NAME>`` from the environment."""

    model_config = SettingsConfigDict(env_prefix="RAGFORT_", env_file=".env", extra="ignore")

    index: str = ".ragfort/index"
    policy: str = "support_agent"
    data_dir: str = Field(default=".ragfort", validation_alias="RAGFORT_HOME")
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    traces: bool = True
