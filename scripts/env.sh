# Sourced by the scripts: keep every library offline and quiet.
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export ANONYMIZED_TELEMETRY=False
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS=""
export TOKENIZERS_PARALLELISM=false
