// The offline viewer in every export (catalogue F4): index.html opens the world from the unzipped
// folder with no server. Browsers do not let a file:// page fetch world.json, so the same data is
// embedded inline as JSON, and media is referenced by relative path (assets/…). Plain HTML, CSS and
// JavaScript with no network access. What the world holds is shown as text, except descriptions and
// secrets: their Markdown is rendered here, at export, by the one sanitising renderer (raw HTML
// escaped, safe link schemes only), and the page styles it with CSS of its own.
import { escapeHtml } from "../lib/html";
import { renderMarkdown } from "../lib/markdown";
import type { ArchiveDocument } from "../domain/archive-format";

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`, no line separators. */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}


const STYLES = `
:root{--bg:#fafaf9;--panel:#fff;--line:#e7e5e4;--ink:#1c1917;--muted:#78716c;--accent:#4338ca;
--location:#047857;--character:#0369a1;--faction:#be123c;--item:#b45309;--creature:#4d7c0f;--event:#6d28d9;--lore:#57534e}
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg);display:flex;flex-direction:column}
header{display:flex;align-items:center;gap:12px;padding:10px 16px;border-bottom:1px solid var(--line);background:var(--panel)}
header .mark{width:34px;height:34px;border-radius:9px;background:linear-gradient(135deg,#4338ca,#0e7490);flex:none;display:grid;place-items:center;color:#fff;font-weight:700}
header h1{font-size:18px;margin:0;line-height:1.2;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
header p{margin:0;color:var(--muted);font-size:13px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
header .titles{min-width:0;flex:1}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600;background:#eef2ff;color:var(--accent);white-space:nowrap}
main{flex:1;display:grid;grid-template-columns:300px minmax(0,1fr);min-height:0}
#side{border-right:1px solid var(--line);background:var(--panel);display:flex;flex-direction:column;min-height:0;min-width:0}
#side .search{padding:12px;border-bottom:1px solid var(--line)}
#search{width:100%;padding:8px 12px;border:1px solid #d6d3d1;border-radius:10px;font:inherit}
#search:focus{outline:2px solid #a5b4fc;border-color:var(--accent)}
#types{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
#types button{border:1px solid var(--line);background:#fff;border-radius:999px;padding:2px 10px;font:inherit;font-size:12px;cursor:pointer;display:inline-flex;align-items:center;gap:6px}
#types button[aria-pressed=false]{opacity:.45}
.dot{width:9px;height:9px;border-radius:50%;flex:none}
#list{list-style:none;margin:0;padding:6px;overflow:auto;flex:1}
#list button{width:100%;text-align:left;border:0;background:none;border-radius:10px;padding:8px 10px;font:inherit;cursor:pointer;display:flex;gap:10px;align-items:center}
#list button:hover{background:#f5f5f4}
#list button[aria-current=true]{background:#eef2ff}
#list .thumb{width:36px;height:36px;border-radius:8px;object-fit:cover;flex:none;background:#f5f5f4;border:1px solid var(--line)}
#list .name{font-weight:600;display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
#list .type{font-size:12px;color:var(--muted);display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
#list .empty{padding:16px;color:var(--muted);font-size:14px}
#stage{position:relative;min-height:0;overflow:hidden;background:radial-gradient(circle at 1px 1px,#e7e5e4 1px,transparent 0) 0 0/22px 22px}
#graph{width:100%;height:100%;display:block;touch-action:none;cursor:grab}
#graph.dragging{cursor:grabbing}
.edge{stroke:#a8a29e;stroke-width:1.5;fill:none}
.edge-label{font-size:11px;fill:#78716c;paint-order:stroke;stroke:#fafaf9;stroke-width:4px}
.node{cursor:pointer}
.node rect.card{fill:#fff;stroke-width:2}
.node text{font-size:13px;font-weight:600;fill:var(--ink)}
.node text.kind{font-size:10.5px;font-weight:500;fill:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.node.dim{opacity:.22}
.node.selected rect.card{stroke-width:4;filter:drop-shadow(0 4px 10px rgba(67,56,202,.3))}
#zoom{position:absolute;right:12px;bottom:12px;display:flex;flex-direction:column;gap:6px}
#zoom button{width:38px;height:38px;border-radius:10px;border:1px solid var(--line);background:#fff;font-size:18px;cursor:pointer;box-shadow:0 1px 3px rgba(0,0,0,.08)}
#details{position:absolute;top:12px;right:12px;bottom:12px;width:380px;max-width:calc(100% - 24px);background:var(--panel);border:1px solid var(--line);border-radius:16px;box-shadow:0 12px 32px rgba(28,25,23,.14);overflow:auto;padding:18px;display:none}
#details.open{display:block}
#details>h2{margin:4px 0 6px;font-size:22px;line-height:1.25;padding-right:36px}
#details .close{position:absolute;top:12px;right:12px;width:32px;height:32px;border-radius:8px;border:1px solid var(--line);background:#fff;cursor:pointer;font-size:16px}
#details img,#details video{width:100%;border-radius:12px;border:1px solid var(--line);margin:8px 0;background:#f5f5f4}
#details audio{width:100%;margin:6px 0}
.md{overflow-wrap:anywhere;font-size:14.5px;line-height:1.6;color:#292524}
.md>:first-child{margin-top:0}.md>:last-child{margin-bottom:0}
.md p{margin:.5em 0}
.md h1,.md h2,.md h3,.md h4,.md h5,.md h6{margin:1em 0 .35em;line-height:1.25;font-weight:700;color:var(--ink);text-transform:none;letter-spacing:normal}
.md h1{font-size:1.5em}.md h2{font-size:1.3em}.md h3{font-size:1.15em}.md h4,.md h5,.md h6{font-size:1em}
.md ul,.md ol{margin:.5em 0;padding-left:1.4em}.md ul{list-style:disc}.md ol{list-style:decimal}
.md li{margin:.2em 0}.md li::marker{color:var(--muted)}
.md blockquote{margin:.75em 0;padding:.1em 0 .1em .9em;border-left:3px solid #a5b4fc;color:#57534e}
.md code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0efed;border-radius:5px;padding:.1em .35em}
.md pre{background:#292524;color:#f5f5f4;border-radius:10px;padding:10px 12px;overflow:auto}
.md pre code{background:none;padding:0;color:inherit}
.md table{border-collapse:collapse;margin:.75em 0;display:block;overflow-x:auto;max-width:100%}
.md th,.md td{border:1px solid #d6d3d1;padding:4px 8px;text-align:left;vertical-align:top}
.md th{background:#f5f5f4;font-weight:600}
.md a{color:var(--accent)}
.md hr{border:0;border-top:1px solid var(--line);margin:1em 0}
.md img{max-width:100%}
#details .secret{margin-top:14px;border:1px dashed #f59e0b;background:#fffbeb;border-radius:12px;padding:10px 12px}
#details .secret>strong{display:block;font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:#92400e}
#details>h3{font-size:13px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:18px 0 6px}
#details ul.links{list-style:none;padding:0;margin:0}
#details li button{border:0;background:none;padding:4px 0;font:inherit;color:var(--accent);cursor:pointer;text-align:left}
.tags{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}
.tag{font-size:12px;background:#f5f5f4;border-radius:999px;padding:1px 9px;color:#44403c}
footer{padding:6px 16px;font-size:12px;color:var(--muted);border-top:1px solid var(--line);background:var(--panel);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
@media (max-width:760px){
  main{grid-template-columns:minmax(0,1fr);grid-template-rows:minmax(260px,46vh) minmax(0,1fr)}
  #side{order:2;border-right:0;border-top:1px solid var(--line)}
  #stage{order:1}
  #details{position:fixed;top:auto;left:0;right:0;bottom:0;width:auto;max-width:none;max-height:78vh;border-radius:18px 18px 0 0;z-index:5}
  header p{display:none}
}
`;

/* The viewer's script: builds the list, the SVG graph (pan, zoom, pinch) and the details panel. */
const SCRIPT = String.raw`
(function(){
var data=JSON.parse(document.getElementById("world-data").textContent);
var html=JSON.parse(document.getElementById("world-html").textContent);
var els=data.elements, rels=data.relationships;
var byId={}; els.forEach(function(e){byId[e.id]=e;});
var TYPES=["location","character","faction","item","creature","event","lore"];
var shown={}; TYPES.forEach(function(t){shown[t]=true;});
var selected=null, query="";
var $=function(id){return document.getElementById(id);};
var NS="http://www.w3.org/2000/svg";
function el(tag,attrs,text){var n=document.createElement(tag);for(var k in attrs||{})n.setAttribute(k,attrs[k]);if(text!=null)n.textContent=text;return n;}
function sv(tag,attrs,text){var n=document.createElementNS(NS,tag);for(var k in attrs||{})n.setAttribute(k,attrs[k]);if(text!=null)n.textContent=text;return n;}
function color(t){return "var(--"+(TYPES.indexOf(t)>=0?t:"lore")+")";}
function media(path){var ext=(path.split(".").pop()||"").toLowerCase();return ext==="mp4"||ext==="webm"?"video":ext==="wav"||ext==="mp3"||ext==="ogg"||ext==="m4a"?"audio":"image";}
function matches(e){if(!shown[e.type])return false;if(!query)return true;var q=query.toLowerCase();return (e.name+" "+e.description+" "+e.tags.join(" ")).toLowerCase().indexOf(q)>=0;}

document.title=data.world.title+" · Loreloom";
$("title").textContent=data.world.title;
$("subtitle").textContent=data.world.description||"";
$("style").textContent=data.world.style;
$("count").textContent=els.length+" elements · "+rels.length+" connections";
$("source").textContent="Exported from Loreloom on "+new Date(data.exportedAt).toLocaleString()+(data.source&&data.source.url?" · "+data.source.url:"");

// Type filter chips
TYPES.forEach(function(t){
  if(!els.some(function(e){return e.type===t;}))return;
  var b=el("button",{type:"button","aria-pressed":"true"});
  var d=el("span",{"class":"dot"});d.style.background=color(t);b.appendChild(d);b.appendChild(document.createTextNode(t));
  b.onclick=function(){shown[t]=!shown[t];b.setAttribute("aria-pressed",String(shown[t]));render();};
  $("types").appendChild(b);
});

// Graph
var W=190,H=58;
var svg=$("graph"), view=sv("g"); svg.appendChild(view);
var edgeLayer=sv("g"), nodeLayer=sv("g"); view.appendChild(edgeLayer); view.appendChild(nodeLayer);
var nodes={};
rels.forEach(function(r){
  var a=byId[r.from], b=byId[r.to]; if(!a||!b)return;
  var x1=a.position.x+W/2,y1=a.position.y+H/2,x2=b.position.x+W/2,y2=b.position.y+H/2;
  var dx=x2-x1,dy=y2-y1,t=Math.min(dx?(W/2+4)/Math.abs(dx):Infinity,dy?(H/2+4)/Math.abs(dy):Infinity);
  var ex=t<1?x2-dx*t:x2, ey=t<1?y2-dy*t:y2;
  edgeLayer.appendChild(sv("line",{"class":"edge",x1:x1,y1:y1,x2:ex,y2:ey,"marker-end":"url(#arrow)"}));
  edgeLayer.appendChild(sv("text",{"class":"edge-label",x:(x1+x2)/2,y:(y1+y2)/2,"text-anchor":"middle"},r.label||r.kind.replace(/_/g," ")));
});
els.forEach(function(e){
  var g=sv("g",{"class":"node",transform:"translate("+e.position.x+","+e.position.y+")",tabindex:"0",role:"button","aria-label":e.name});
  g.appendChild(sv("title",null,e.name));
  g.appendChild(sv("rect",{"class":"card",width:W,height:H,rx:12,stroke:color(e.type)}));
  var textX=14;
  if(e.assets.image&&media(e.assets.image)==="image"){
    var clip="clip-"+e.id; var cp=sv("clipPath",{id:clip}); cp.appendChild(sv("rect",{x:8,y:8,width:42,height:42,rx:8})); g.appendChild(cp);
    g.appendChild(sv("image",{href:e.assets.image,x:8,y:8,width:42,height:42,preserveAspectRatio:"xMidYMid slice","clip-path":"url(#"+clip+")"}));
    textX=58;
  }
  var room=textX>14?17:22, name=e.name.length>room?e.name.slice(0,room-1)+"…":e.name;
  g.appendChild(sv("text",{x:textX,y:26},name));
  g.appendChild(sv("text",{"class":"kind",x:textX,y:43},e.type));
  g.addEventListener("click",function(ev){ev.stopPropagation();select(e.id);});
  g.addEventListener("keydown",function(ev){if(ev.key==="Enter"||ev.key===" "){ev.preventDefault();select(e.id);}});
  nodeLayer.appendChild(g); nodes[e.id]=g;
});

var cam={x:0,y:0,k:1};
function apply(){view.setAttribute("transform","translate("+cam.x+","+cam.y+") scale("+cam.k+")");}
function fit(){
  if(!els.length){apply();return;}
  var r=svg.getBoundingClientRect();
  var xs=els.map(function(e){return e.position.x;}), ys=els.map(function(e){return e.position.y;});
  var minX=Math.min.apply(null,xs)-40,minY=Math.min.apply(null,ys)-40,maxX=Math.max.apply(null,xs)+W+40,maxY=Math.max.apply(null,ys)+H+40;
  cam.k=Math.max(0.05,Math.min(1.4,r.width/(maxX-minX),r.height/(maxY-minY)));
  cam.x=(r.width-(maxX-minX)*cam.k)/2-minX*cam.k; cam.y=(r.height-(maxY-minY)*cam.k)/2-minY*cam.k; apply();
}
function zoomAt(px,py,f){var k=Math.max(0.05,Math.min(4,cam.k*f));cam.x=px-(px-cam.x)*(k/cam.k);cam.y=py-(py-cam.y)*(k/cam.k);cam.k=k;apply();}
svg.addEventListener("wheel",function(ev){ev.preventDefault();var r=svg.getBoundingClientRect();zoomAt(ev.clientX-r.left,ev.clientY-r.top,Math.exp(-ev.deltaY*0.0015));},{passive:false});
var pointers={}, last=null, moved=0;
svg.addEventListener("pointerdown",function(ev){pointers[ev.pointerId]={x:ev.clientX,y:ev.clientY};moved=0;svg.classList.add("dragging");});
svg.addEventListener("pointermove",function(ev){
  var p=pointers[ev.pointerId]; if(!p)return;
  var ids=Object.keys(pointers);
  if(ids.length===2){
    var o=pointers[ids[0]===String(ev.pointerId)?ids[1]:ids[0]];
    var before=Math.hypot(p.x-o.x,p.y-o.y), after=Math.hypot(ev.clientX-o.x,ev.clientY-o.y);
    var r=svg.getBoundingClientRect();
    if(before>0)zoomAt((ev.clientX+o.x)/2-r.left,(ev.clientY+o.y)/2-r.top,after/before);
  }else{cam.x+=ev.clientX-p.x;cam.y+=ev.clientY-p.y;apply();}
  moved+=Math.abs(ev.clientX-p.x)+Math.abs(ev.clientY-p.y);
  pointers[ev.pointerId]={x:ev.clientX,y:ev.clientY};
});
function up(ev){delete pointers[ev.pointerId];if(!Object.keys(pointers).length)svg.classList.remove("dragging");}
svg.addEventListener("pointerup",up);svg.addEventListener("pointercancel",up);svg.addEventListener("pointerleave",up);
svg.addEventListener("click",function(){if(moved<4)select(null);});
$("zoom-in").onclick=function(){var r=svg.getBoundingClientRect();zoomAt(r.width/2,r.height/2,1.25);};
$("zoom-out").onclick=function(){var r=svg.getBoundingClientRect();zoomAt(r.width/2,r.height/2,0.8);};
$("zoom-fit").onclick=fit;

function render(){
  var list=$("list"); list.textContent="";
  var visible=els.filter(matches).sort(function(a,b){return a.name.localeCompare(b.name);});
  visible.forEach(function(e){
    var li=el("li"), b=el("button",{type:"button"});
    if(selected===e.id)b.setAttribute("aria-current","true");
    if(e.assets.image&&media(e.assets.image)==="image")b.appendChild(el("img",{"class":"thumb",src:e.assets.image,alt:""}));
    else{var d=el("span",{"class":"thumb"});d.style.background=color(e.type);d.style.opacity=".18";b.appendChild(d);}
    var t=el("span");t.style.minWidth="0";t.appendChild(el("span",{"class":"name"},e.name));t.appendChild(el("span",{"class":"type"},e.type+(e.tags.length?" · "+e.tags.join(", "):"")));b.appendChild(t);
    b.onclick=function(){select(e.id,true);};
    li.appendChild(b);list.appendChild(li);
  });
  if(!visible.length)list.appendChild(el("li",{"class":"empty"},els.length?"Nothing matches “"+query+"”.":"This world has no elements yet."));
  els.forEach(function(e){var n=nodes[e.id];n.classList.toggle("dim",!matches(e));n.classList.toggle("selected",selected===e.id);});
}

function select(id,center){
  selected=id; render();
  var box=$("details");
  if(!id){box.classList.remove("open");return;}
  var e=byId[id]; box.textContent="";
  var close=el("button",{type:"button","class":"close","aria-label":"Close"},"✕"); close.onclick=function(){select(null);}; box.appendChild(close);
  var kind=el("span",{"class":"badge"},e.type); kind.style.background="transparent"; kind.style.color=color(e.type); kind.style.border="1px solid currentColor"; box.appendChild(kind);
  box.appendChild(el("h2",null,e.name));
  if(e.tags.length){var tg=el("div",{"class":"tags"});e.tags.forEach(function(t){tg.appendChild(el("span",{"class":"tag"},t));});box.appendChild(tg);}
  ["image","video","audio"].forEach(function(k){
    var p=e.assets[k]; if(!p)return; var m=media(p);
    if(m==="image")box.appendChild(el("img",{src:p,alt:k==="video"?e.name+", animated":e.name}));
    else if(m==="video")box.appendChild(el("video",{src:p,controls:"",playsinline:"",preload:"metadata"}));
    else box.appendChild(el("audio",{src:p,controls:"",preload:"none"}));
  });
  // Sanitised at export (markdown-it, raw HTML escaped): see offlineViewerHtml.
  var rendered=html[e.id]||{};
  var text=el("div",{"class":"md"}); if(rendered.description)text.innerHTML=rendered.description; else text.textContent="No description yet."; box.appendChild(text);
  if(e.secret){var s=el("div",{"class":"secret"});s.appendChild(el("strong",null,"Secret"));var st=el("div",{"class":"md"});st.innerHTML=rendered.secret||"";s.appendChild(st);box.appendChild(s);}
  var links=rels.filter(function(r){return r.from===id||r.to===id;});
  if(links.length){
    box.appendChild(el("h3",null,"Connections"));var ul=el("ul",{"class":"links"});
    links.forEach(function(r){var other=byId[r.from===id?r.to:r.from];if(!other)return;var li=el("li");
      var verb=r.label||r.kind.replace(/_/g," ");
      var b=el("button",{type:"button"},r.from===id?verb+" → "+other.name:other.name+" → "+verb);b.onclick=function(){select(other.id,true);};li.appendChild(b);ul.appendChild(li);});
    box.appendChild(ul);
  }
  box.classList.add("open"); box.scrollTop=0;
  if(center){
    // Centre the element in the part of the graph the details panel leaves visible.
    var r=svg.getBoundingClientRect(), wide=window.innerWidth>760;
    var cx=wide?Math.max(r.width-box.offsetWidth-24,r.width/2)/2:r.width/2;
    cam.x=cx-(e.position.x+W/2)*cam.k;cam.y=r.height/2-(e.position.y+H/2)*cam.k;apply();
  }
}

$("search").addEventListener("input",function(ev){query=ev.target.value.trim();render();});
document.addEventListener("keydown",function(ev){if(ev.key==="Escape")select(null);});
render(); fit();
window.addEventListener("resize",fit);
})();
`;

/** Each element's description and secret as sanitised HTML, by element id. */
function renderedMarkdown(document: ArchiveDocument): Record<string, { description?: string; secret?: string }> {
  const rendered: Record<string, { description?: string; secret?: string }> = {};
  for (const element of document.elements) {
    rendered[element.id] = {
      ...(element.description ? { description: renderMarkdown(element.description) } : {}),
      ...(element.secret ? { secret: renderMarkdown(element.secret) } : {}),
    };
  }
  return rendered;
}

export function offlineViewerHtml(document: ArchiveDocument): string {
  const title = escapeHtml(document.world.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data: file:; media-src 'self' file:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${title} · Loreloom</title>
<style>${STYLES}</style>
</head>
<body>
<header>
  <div class="mark" aria-hidden="true">L</div>
  <div class="titles"><h1 id="title">${title}</h1><p id="subtitle"></p></div>
  <span class="badge" id="style"></span>
</header>
<main>
  <aside id="side">
    <div class="search">
      <input id="search" type="search" placeholder="Search elements" aria-label="Search elements" autocomplete="off">
      <div id="types" aria-label="Filter by type"></div>
    </div>
    <ul id="list" aria-label="Elements"></ul>
  </aside>
  <section id="stage" aria-label="Graph">
    <svg id="graph" role="img" aria-label="The world's elements and their connections">
      <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#a8a29e"/></marker></defs>
    </svg>
    <div id="zoom"><button id="zoom-in" type="button" aria-label="Zoom in">+</button><button id="zoom-out" type="button" aria-label="Zoom out">−</button><button id="zoom-fit" type="button" aria-label="Fit to screen">⤢</button></div>
    <article id="details" aria-live="polite"></article>
  </section>
</main>
<footer><span id="count"></span> · <span id="source"></span></footer>
<script type="application/json" id="world-data">${inlineJson(document)}</script>
<script type="application/json" id="world-html">${inlineJson(renderedMarkdown(document))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
