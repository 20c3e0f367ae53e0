# connectrt worker image (used by compose/docker-compose.yml).
FROM python:3.11-slim
WORKDIR /opt/connectrt
COPY pyproject.toml README.md ./
COPY connectrt ./connectrt
COPY plugins ./plugins
RUN pip install --no-cache-dir . && for p in plugins/*/; do pip install --no-cache-dir "$p"; done
EXPOSE 8083
CMD ["connectrt", "distributed", "/etc/connectrt/worker.properties"]
