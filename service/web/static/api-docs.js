// The API reference (/api/docs): swagger-ui, from the service's own copy, on the service's own
// OpenAPI document. Kept out of the page so that script-src 'self' holds there too.
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui");
  if (!box || typeof window.SwaggerUIBundle !== "function") { return; }
  window.SwaggerUIBundle({
    url: box.getAttribute("data-spec"),
    domNode: box,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",        // no top bar: it would let a reader load any other URL
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    validatorUrl: null,          // never ask validator.swagger.io about the document
    queryConfigEnabled: false    // ?url=… in the address cannot point the page elsewhere
  });
}());
