// Swagger UI for /docs, loaded from this server (swagger-ui-bundle package); no inline script.
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
