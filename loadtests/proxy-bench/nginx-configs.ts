/** nginx configs for the proxy benchmark: the backend every proxy forwards to, and nginx as the reference proxy. */

const common = `worker_processes 1;
daemon off;
error_log stderr warn;
events { worker_connections 16384; }`;

const httpCommon = `access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    client_body_temp_path tmp-body;
    proxy_temp_path tmp-proxy;
    fastcgi_temp_path tmp-fastcgi;
    uwsgi_temp_path tmp-uwsgi;
    scgi_temp_path tmp-scgi;`;

/** The backend: nginx answering "ok" from memory, the fastest HTTP/1.1 server at hand. */
export function backendConfig(port: number): string {
  return `${common}
pid backend.pid;
http {
    ${httpCommon}
    server {
        listen 127.0.0.1:${port} backlog=4096;
        location / { default_type text/plain; return 200 "ok\\n"; }
    }
}
`;
}

/** nginx as a reverse proxy: one worker, upstream keep-alive pool of 512, X-Forwarded-For appended like Vortex does. */
export function proxyConfig(port: number, backendPort: number): string {
  return `${common}
pid proxy.pid;
http {
    ${httpCommon}
    upstream backend {
        server 127.0.0.1:${backendPort};
        keepalive 512;
        keepalive_requests 10000000;
        keepalive_timeout 120s;
    }
    server {
        listen 127.0.0.1:${port} backlog=4096;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }
    }
}
`;
}
